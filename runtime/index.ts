export { demoFiles, loadDemoCorpus } from './demo-loader.ts';
export { createRuntime, loadLanguage, type Runtime } from './runtime.ts';
