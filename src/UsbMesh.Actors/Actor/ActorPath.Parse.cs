using System.Globalization;

namespace UsbMesh.Actors;

/// <summary>Reading a path back from its full text form, <c>protocol://system[@host[:port]]/a/b[#uid]</c>.</summary>
public sealed partial class ActorPath
{
    /// <summary>The text form with the uid appended (<c>…/a/b#uid</c>) when it is known: what a message carries.</summary>
    public string ToSerializationFormat() => Uid == 0 ? ToString() : $"{this}#{Uid.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>Parses <paramref name="text"/>; false for anything that is not a well-formed path of valid elements.</summary>
    public static bool TryParse(string? text, out ActorPath? path)
    {
        path = null;
        var schemeEnd = text?.IndexOf("://", StringComparison.Ordinal) ?? -1;
        if (text is null || schemeEnd <= 0)
        {
            return false;
        }

        var rest = text[(schemeEnd + 3)..];
        var uid = 0;
        var hash = rest.LastIndexOf('#');
        if (hash >= 0)
        {
            if (!int.TryParse(rest.AsSpan(hash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out uid))
            {
                return false;
            }

            rest = rest[..hash];
        }

        var slash = rest.IndexOf('/');
        var authority = slash < 0 ? rest : rest[..slash];
        if (!TryParseAddress(text[..schemeEnd], authority, out var address))
        {
            return false;
        }

        var parsed = Root(address);
        var elements = slash < 0 ? [] : rest[(slash + 1)..].Split('/');
        foreach (var element in elements)
        {
            if (!IsValidPathElement(element))
            {
                return false;
            }

            parsed = parsed.Child(element);
        }

        path = uid == 0 ? parsed : parsed.WithUid(uid);
        return true;
    }

    private static bool TryParseAddress(string protocol, string authority, out Address address)
    {
        address = null!;
        var at = authority.IndexOf('@');
        var system = at < 0 ? authority : authority[..at];
        if (system.Length == 0)
        {
            return false;
        }

        if (at < 0)
        {
            address = new Address(protocol, system);
            return true;
        }

        var hostPart = authority[(at + 1)..];
        var colon = hostPart.LastIndexOf(':');
        if (colon < 0 || hostPart.EndsWith(']'))
        {
            address = hostPart.Length == 0 ? null! : new Address(protocol, system, hostPart);
            return hostPart.Length > 0;
        }

        if (!int.TryParse(hostPart.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || colon == 0)
        {
            return false;
        }

        address = new Address(protocol, system, hostPart[..colon], port);
        return true;
    }
}
