export { createRuntime, loadLanguage, type Runtime } from './runtime.ts';
export { loadDemoCorpus, demoFiles } from './demo-loader.ts';
