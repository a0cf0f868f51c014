/** Exit codes: 0 ok, 1 a failure the user can act on (bad input, failed tickers, pending lake writes), 2 bad usage, 70 a bug. */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
export const EXIT_INTERNAL = 70;
