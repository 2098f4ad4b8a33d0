// The specs run nodes and client processes that each take a good share of a small machine: one at a time keeps their
// time bounds honest.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
