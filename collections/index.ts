export { CollectionsService, type DemoCollection } from './collections.service.ts';
export {
  COLLECTION_ROLES,
  CollectionSchema,
  CollectionInputSchema,
  CollectionPatchSchema,
  SourceIdsSchema,
  type Collection,
  type CollectionInput,
  type CollectionPatch,
} from './collection.schema.ts';
