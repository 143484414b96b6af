export { demoFiles, loadDemoCases, loadDemoCorpus, loadDemoLiterature } from './demo-loader.ts';
export { createRuntime, loadLanguage, type Runtime } from './runtime.ts';
export type { Services } from './services.ts';
export type { Readiness } from './health.service.ts';
