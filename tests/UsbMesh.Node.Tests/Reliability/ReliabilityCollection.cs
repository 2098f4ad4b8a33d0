namespace UsbMesh.Node.Tests.Reliability;

/// <summary>The reliability specs run one at a time: each starts daemons, and they measure time and resources.</summary>
[CollectionDefinition("Reliability", DisableParallelization = true)]
public sealed class ReliabilityCollection;
