export { demoFiles, loadDemoCases, loadDemoCorpus, loadDemoLiterature } from './demo-loader.ts';
export { createRuntime, loadLanguage, type Runtime } from './runtime.ts';
