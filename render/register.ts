/** Adds the renderers of optional parts (CDC job SQL) to renderAll. Imported by the program and the render command. */
export {};
