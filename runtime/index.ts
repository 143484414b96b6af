export { demoFiles, loadDemoCases, loadDemoCollections, loadDemoCorpus, loadDemoLiterature } from './demo-loader.ts';
export type { Readiness } from './health.service.ts';
export { createRuntime, loadLanguage, type Runtime } from './runtime.ts';
export { createSearchRuntime, type SearchServices } from './search-runtime.ts';
export type { Services } from './services.ts';
