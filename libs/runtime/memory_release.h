#pragma once
// Handing freed heap pages back to the kernel after bursts of allocation.
//
// A scrape, or a background cycle, builds thousands of small allocations (a
// label set per sample, parsed rows, answers) that are all freed at its end,
// but scattered among longer-lived ones: glibc keeps those pages, and the
// exporter's resident memory would settle at its per-burst peak. After the
// last burst has been quiet for a moment, malloc_trim(0) releases every free
// page, not only the top of the heap.

namespace runtime {

// Asks for a malloc_trim 200 ms after the last such request (so a scrape's
// answer is sent first, and a run of scrapes trims once). Cheap; any thread.
void releaseFreeMemorySoon();

}  // namespace runtime
