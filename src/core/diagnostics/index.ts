/** Diagnostics: the value type, the code catalog and the renderer. */
export * from './diagnostic.js';
export * from './catalog.js';
export * from './render.js';
