using System.Runtime.Versioning;
using Xunit.Abstractions;

namespace UsbMesh.Node.Tests.Reliability;

/// <summary>
/// A spec on a <see cref="HubAndLaptop"/> stage: made before each test (with <paramref name="moreNodes"/> beside the
/// hub and the laptop), torn down after it, daemons and namespaces included.
/// </summary>
[UnsupportedOSPlatform("windows")]
public abstract class HubAndLaptopSpec(ITestOutputHelper output, params string[] moreNodes) : IAsyncLifetime
{
    private HubAndLaptop? _stage;

    protected ITestOutputHelper Output => output;

    protected HubAndLaptop Stage => _stage ?? throw new InvalidOperationException("InitializeAsync has not run");

    public Task InitializeAsync()
    {
        _stage = HubAndLaptop.Create(output, moreNodes);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        if (_stage is not null)
        {
            await _stage.DisposeAsync();
        }
    }
}
