import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { DEMO_PRODUCTS, validateProduct, type Product } from '../../core/index.js';
import { DEFAULT_FAQ, type FaqEntry } from '../../flows/index.js';
import { ConfigError, type Config } from '../config/index.js';

/** What a bank edits without touching code: its products (the product factory) and its FAQ. */
export interface Catalog {
  readonly products: readonly Product[];
  readonly faq: readonly FaqEntry[];
}

const localized = z.object({ zh: z.string().min(1), en: z.string().min(1) });
const faqSchema = z
  .array(
    z.object({
      id: z.string().min(1),
      keywords: z.array(z.string().min(1).transform((k) => k.toLowerCase())).min(1),
      question: localized,
      answer: localized,
    }),
  )
  .min(1);

/**
 * Reads PRODUCTS_FILE and FAQ_FILE when set (the demo products and default FAQ otherwise). A file
 * that cannot be read or does not validate stops start-up with one line naming the setting and
 * the exact place in the file.
 */
export async function loadCatalog(config: Pick<Config, 'productsFile' | 'faqFile'>): Promise<Catalog> {
  const products = config.productsFile ? await readProducts(config.productsFile) : DEMO_PRODUCTS;
  const faq = config.faqFile ? await readFaq(config.faqFile) : DEFAULT_FAQ;
  return { products, faq };
}

async function readJson(setting: string, file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new ConfigError(setting, `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new ConfigError(setting, `${file} is not valid JSON: ${(e as Error).message}`);
  }
}

async function readProducts(file: string): Promise<Product[]> {
  const json = await readJson('PRODUCTS_FILE', file);
  if (!Array.isArray(json) || json.length === 0) throw new ConfigError('PRODUCTS_FILE', `${file} must hold a non-empty JSON array of products`);
  const products: Product[] = [];
  json.forEach((raw, i) => {
    const r = validateProduct(raw);
    if (!r.ok) throw new ConfigError('PRODUCTS_FILE', `${file}: product [${i}]${r.error.field ? ` field ${r.error.field}` : ''}: ${r.error.message}`);
    products.push(r.value);
  });
  const ids = products.map((p) => p.id);
  const dup = ids.find((id, i) => ids.indexOf(id) !== i);
  if (dup) throw new ConfigError('PRODUCTS_FILE', `${file}: product id "${dup}" appears twice`);
  return products;
}

async function readFaq(file: string): Promise<FaqEntry[]> {
  const parsed = faqSchema.safeParse(await readJson('FAQ_FILE', file));
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError('FAQ_FILE', `${file}: at ${issue.path.join('.') || '(top)'}: ${issue.message}`);
  }
  return parsed.data;
}
