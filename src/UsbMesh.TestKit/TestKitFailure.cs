using Xunit.Sdk;

namespace UsbMesh.TestKit;

/// <summary>A failed TestKit expectation, reported by xunit like an assertion.</summary>
public sealed class TestKitFailure(string message) : XunitException(message);
