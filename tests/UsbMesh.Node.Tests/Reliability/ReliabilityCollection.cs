namespace UsbMesh.Node.Tests.Reliability;

[CollectionDefinition("Reliability", DisableParallelization = true)]
public sealed class ReliabilityCollection;
