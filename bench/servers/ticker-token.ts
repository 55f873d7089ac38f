/** The admin token the bench's editor writes with (TICKER_ADMIN_TOKEN of the server under test). */
export const BENCH_TOKEN = "bench-admin-token-0123456789";
