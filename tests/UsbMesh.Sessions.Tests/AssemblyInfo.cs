// The specs run nodes with heartbeats, link timeouts and grace periods measured in seconds: one class at a time, so
// that they do not starve each other's timers on a small machine.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
