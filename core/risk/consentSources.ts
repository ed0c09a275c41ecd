import { DATA_SOURCE_NAMES, type DataSource } from './applicantProfile.js';
import type { Product } from './product.js';

export interface ConsentSource {
  readonly source: DataSource;
  readonly required: boolean;
  readonly nameZh: string;
  readonly nameEn: string;
}

/** The sources a product asks the borrower to authorise, required first, with display names. */
export function consentSources(product: Product): readonly ConsentSource[] {
  const row = (source: DataSource, required: boolean): ConsentSource => ({ source, required, nameZh: DATA_SOURCE_NAMES[source].zh, nameEn: DATA_SOURCE_NAMES[source].en });
  return [...product.dataSources.required.map((s) => row(s, true)), ...product.dataSources.optional.map((s) => row(s, false))];
}
