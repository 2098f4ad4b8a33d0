using System.Net;
using System.Text.RegularExpressions;

namespace UsbMesh.Gadgets.Backends;

/// <summary>Endpoints as configuration writes them: <c>127.0.0.1:3240</c> or <c>[::1]:3240</c>; port 0 picks a free one.</summary>
public static partial class EndpointText
{
    /// <summary>Parses an address and an explicit port; an IPv6 address must be bracketed, so its last group is never
    /// mistaken for a port.</summary>
    public static bool TryParse(string? text, out IPEndPoint endpoint)
    {
        endpoint = null!;
        var trimmed = text?.Trim() ?? "";
        return AddressAndPort().IsMatch(trimmed) && IPEndPoint.TryParse(trimmed, out endpoint!);
    }

    [GeneratedRegex(@"^(\[[0-9A-Fa-f:.]+\]|[0-9.]+):[0-9]{1,5}$")]
    private static partial Regex AddressAndPort();
}
