/** The part of dcmjs (which ships no types) the synthetic-DICOM writer uses. */
declare module 'dcmjs' {
  interface DicomDictInstance {
    dict: Record<string, unknown>;
    write(options?: Record<string, unknown>): ArrayBuffer;
  }
  const dcmjs: {
    data: {
      DicomDict: new (meta: Record<string, unknown>) => DicomDictInstance;
      DicomMetaDictionary: {
        denaturalizeDataset(ds: Record<string, unknown>): Record<string, unknown>;
        uid(): string;
      };
    };
  };
  export default dcmjs;
}
