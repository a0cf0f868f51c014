/**
 * Exit codes: 0 ok, 1 a failure the user can act on (bad input, failed tickers, pending lake writes), 2 bad usage,
 * 70 a bug; 130 / 143 a run interrupted by SIGINT / SIGTERM (128 + the signal's number, as shells report it).
 */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
export const EXIT_INTERNAL = 70;
export const EXIT_SIGINT = 130;
export const EXIT_SIGTERM = 143;
