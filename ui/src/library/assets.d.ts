/** Vite's `?url` imports (the pdf.js worker script is served as a file of its own). */
declare module '*?url' {
  const src: string;
  export default src;
}
