/** Diagnostics: the value type, the code catalog and the renderer (text, JSON and SARIF). */
export * from './diagnostic.js';
export * from './catalog.js';
export * from './render.js';
export * from './sarif.js';
