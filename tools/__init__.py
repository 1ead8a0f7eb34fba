"""Programs around the lessons: notebook upkeep, headless runs, prefetching, benchmarks."""
