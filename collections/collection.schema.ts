import { z } from 'zod';

/** Roles a collection can be shown to (auth/roles.ts ROLES; admins see every collection anyway). */
export const COLLECTION_ROLES = ['admin', 'director', 'physician', 'technician', 'resident', 'teacher', 'expert'] as const;

export const CollectionSchema = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  /** Roles that may see it (search, chat, source pages). Admins and source managers see every collection. */
  roles: z.array(z.enum(COLLECTION_ROLES)),
  /** The default collection 「全院知识库」: new sources join it; it cannot be deleted. */
  isDefault: z.boolean(),
  demo: z.boolean(),
  /** Sources in it. */
  sourceCount: z.number().int(),
  createdBy: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Collection = z.infer<typeof CollectionSchema>;

const name = z.string().trim().min(1, '知识库名称不能为空').max(60, '知识库名称最多 60 字');

export const CollectionInputSchema = z
  .object({
    name,
    description: z.string().trim().max(500, '说明最多 500 字').default(''),
    roles: z.array(z.enum(COLLECTION_ROLES)).max(COLLECTION_ROLES.length).default([]),
  })
  .strict();
export type CollectionInput = z.input<typeof CollectionInputSchema>;

export const CollectionPatchSchema = z
  .object({
    name: name.optional(),
    description: z.string().trim().max(500, '说明最多 500 字').optional(),
    roles: z.array(z.enum(COLLECTION_ROLES)).max(COLLECTION_ROLES.length).optional(),
  })
  .strict();
export type CollectionPatch = z.infer<typeof CollectionPatchSchema>;

export const SourceIdsSchema = z.object({ sourceIds: z.array(z.string().min(1).max(100)).min(1).max(500) }).strict();
