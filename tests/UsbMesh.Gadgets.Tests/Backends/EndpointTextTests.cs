using UsbMesh.Gadgets.Backends;

namespace UsbMesh.Gadgets.Tests.Backends;

public sealed class EndpointTextTests
{
    [Theory]
    [InlineData("127.0.0.1:3240", 3240)]
    [InlineData(" 0.0.0.0:0 ", 0)]
    [InlineData("[::1]:7300", 7300)]
    [InlineData("[::]:3240", 3240)]
    public void An_address_with_an_explicit_port_is_an_endpoint(string text, int port)
    {
        Assert.True(EndpointText.TryParse(text, out var endpoint));
        Assert.Equal(port, endpoint.Port);
    }

    [Theory]
    [InlineData("::1")]
    [InlineData("127.0.0.1")]
    [InlineData("localhost:3240")]
    [InlineData("127.0.0.1:99999")]
    [InlineData("[::1]")]
    [InlineData("")]
    [InlineData(null)]
    public void Anything_else_is_refused(string? text) => Assert.False(EndpointText.TryParse(text, out _));
}
