/**
 * fast-check generators of price-like series for the property tests: a level anywhere from cents to 1e8,
 * relative moves from tiny to large, rounded to a tick, with optional flat runs and spikes, so that
 * shrinking lands on small, readable counterexamples.
 */
import fc from 'fast-check';

export interface PriceSeriesOptions {
  minLength?: number;
  maxLength?: number;
}

export function priceSeries(options: PriceSeriesOptions = {}): fc.Arbitrary<Float64Array> {
  const { minLength = 0, maxLength = 200 } = options;
  return fc
    .record({
      level: fc.constantFrom(0.05, 1, 8, 50, 1234.5, 50_000, 1e8),
      volatility: fc.constantFrom(1e-9, 1e-5, 1e-3, 0.02, 0.2),
      decimals: fc.constantFrom(2, 4, 8, -1),
      moves: fc.array(
        fc.oneof(
          { weight: 8, arbitrary: fc.double({ min: -3, max: 3, noNaN: true }) },
          { weight: 1, arbitrary: fc.constant(0) },
          { weight: 1, arbitrary: fc.constantFrom(-40, 40) },
        ),
        { minLength, maxLength },
      ),
      flatFrom: fc.nat(),
      flatLength: fc.nat({ max: 40 }),
    })
    .map(({ level, volatility, decimals, moves, flatFrom, flatLength }) => {
      const out = new Float64Array(moves.length);
      const flatStart = moves.length > 0 ? flatFrom % moves.length : 0;
      let price: number = level;
      for (let i = 0; i < moves.length; i++) {
        const inFlat = i > flatStart && i < flatStart + flatLength;
        if (!inFlat) price = Math.max(level * 1e-3, price * (1 + volatility * moves[i]));
        out[i] = decimals < 0 ? price : Number(price.toFixed(decimals));
        if (out[i] === 0) out[i] = 10 ** -Math.max(decimals, 0);
      }
      return out;
    });
}
