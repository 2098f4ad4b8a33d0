// Each guest is a TCG-emulated machine that keeps a CPU busy; one at a time keeps boot times and timeouts
// predictable on small CI machines.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
