import { roundRate } from './lendingBridge.js';
import type { Grade, GradeBand, PricingTable } from './product.js';

/** The grade of a score: the first band (best first) whose minScore it reaches; null = below all (decline). */
export function gradeForScore(bands: readonly GradeBand[], points: number): Grade | null {
  for (const b of bands) if (points >= b.minScore) return b.grade;
  return null;
}

/**
 * Annual rate for a grade: clamp(LPR + spread(grade), floor, cap), the sum first rounded to a
 * basis point (0.01%) so float noise never reaches a contract. Always within [floor, cap].
 */
export function priceRate(pricing: PricingTable, grade: Grade): number {
  const raw = roundRate(pricing.lpr + pricing.spreadByGrade[grade]);
  return raw < pricing.floor ? pricing.floor : raw > pricing.cap ? pricing.cap : raw;
}
