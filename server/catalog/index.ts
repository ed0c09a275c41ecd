export { loadCatalog, type Catalog } from './loadCatalog.js';
