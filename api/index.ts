export { type AppOptions, buildApp } from './app.ts';
export * from './contract.ts';
export { PERMISSIONS, type Permission } from './permissions.ts';
