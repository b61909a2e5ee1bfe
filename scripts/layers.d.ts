// Types of scripts/layers.js (plain JS so `npm run lint` runs it without a TypeScript loader).
export declare const ALLOWED: Record<string, string[]>
export declare function layerOf(rel: string): string | null
export declare function importsOf(text: string): string[]
export declare function checkLayers(srcDir: string): string[]
