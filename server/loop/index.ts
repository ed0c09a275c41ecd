export { LoopSlicer, serverLoop, type LoopSlicerOptions } from './loopSlicer.js';
