using System.Text;

namespace UsbMesh.Actors;

/// <summary>The address of an actor system: protocol, system name and, where the system is reached over a network,
/// host and port.</summary>
public sealed record Address(string Protocol, string System, string? Host = null, int? Port = null)
{
    public override string ToString() => (Host, Port) switch
    {
        (null, _) => $"{Protocol}://{System}",
        (_, null) => $"{Protocol}://{System}@{Host}",
        _ => $"{Protocol}://{System}@{Host}:{Port}",
    };
}

/// <summary>
/// The logical location of an actor in the hierarchy (<c>/user/a/b</c>). Equality ignores <see cref="Uid"/>, so a
/// restarted path compares equal; actor refs compare path and uid, so a new incarnation is a different ref.
/// </summary>
public sealed partial class ActorPath : IEquatable<ActorPath>, IComparable<ActorPath>
{
    private const string ValidSymbols = "-_.*$+:@&=,!~';";
    private string? _withoutAddress;

    private ActorPath(Address address, ActorPath? parent, string name, int uid)
    {
        Address = address;
        Parent = parent;
        Name = name;
        Uid = uid;
        Depth = parent is null ? 0 : parent.Depth + 1;
    }

    public Address Address { get; }

    /// <summary>The enclosing path; null only for the root.</summary>
    public ActorPath? Parent { get; }

    public string Name { get; }

    /// <summary>Distinguishes incarnations of the same path; 0 when unknown.</summary>
    public int Uid { get; }

    public int Depth { get; }

    public static ActorPath Root(Address address) => new(address, null, "", 0);

    /// <summary>Appends a child element; the name must already be valid (see <see cref="ValidateName"/>).</summary>
    public ActorPath Child(string name, int uid = 0) => new(Address, this, name, uid);

    public static ActorPath operator /(ActorPath parent, string name) => parent.Child(name);

    internal ActorPath WithUid(int uid) => new(Address, Parent, Name, uid);

    /// <summary>The path elements below the root, outermost first.</summary>
    public IReadOnlyList<string> Elements
    {
        get
        {
            var elements = new string[Depth];
            for (var p = this; p.Parent is not null; p = p.Parent)
            {
                elements[p.Depth - 1] = p.Name;
            }

            return elements;
        }
    }

    /// <summary>True when <paramref name="name"/> can name an actor: non-empty, URI-safe characters or %-escapes.</summary>
    public static bool IsValidPathElement(string? name)
    {
        if (string.IsNullOrEmpty(name))
        {
            return false;
        }

        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsAsciiLetterOrDigit(c) || ValidSymbols.Contains(c))
            {
                continue;
            }

            if (c == '%' && i + 2 < name.Length && char.IsAsciiHexDigit(name[i + 1]) && char.IsAsciiHexDigit(name[i + 2]))
            {
                i += 2;
                continue;
            }

            return false;
        }

        return true;
    }

    /// <summary>Throws <see cref="InvalidActorNameException"/> unless a user may give an actor this name.</summary>
    public static void ValidateName(string? name)
    {
        if (string.IsNullOrEmpty(name))
        {
            throw new InvalidActorNameException("Actor name must not be null or empty.");
        }

        if (name[0] == '$')
        {
            throw new InvalidActorNameException($"Actor name [{name}] must not start with '$': that prefix is reserved for generated names.");
        }

        if (!IsValidPathElement(name))
        {
            throw new InvalidActorNameException(
                $"Invalid actor name [{name}]: use ASCII letters, digits, the symbols {ValidSymbols} or %-escapes.");
        }
    }

    /// <summary>The path without the address, e.g. <c>/user/a/b</c>.</summary>
    public string ToStringWithoutAddress()
    {
        if (_withoutAddress is not null)
        {
            return _withoutAddress;
        }

        if (Parent is null)
        {
            return _withoutAddress = "/";
        }

        var builder = new StringBuilder();
        AppendElements(builder, this);
        return _withoutAddress = builder.ToString();
    }

    private static void AppendElements(StringBuilder builder, ActorPath path)
    {
        if (path.Parent is null)
        {
            return;
        }

        AppendElements(builder, path.Parent);
        builder.Append('/').Append(path.Name);
    }

    public override string ToString() => Address + ToStringWithoutAddress();

    public bool Equals(ActorPath? other)
    {
        if (ReferenceEquals(this, other))
        {
            return true;
        }

        if (other is null || Depth != other.Depth || Address != other.Address)
        {
            return false;
        }

        for (ActorPath? a = this, b = other; a is not null && b is not null; a = a.Parent, b = b.Parent)
        {
            if (!string.Equals(a.Name, b.Name, StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    public override bool Equals(object? obj) => obj is ActorPath other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(Address, ToStringWithoutAddress());

    public int CompareTo(ActorPath? other) =>
        other is null ? 1 : string.CompareOrdinal(ToString(), other.ToString());

    public static bool operator ==(ActorPath? left, ActorPath? right) => Equals(left, right);

    public static bool operator !=(ActorPath? left, ActorPath? right) => !Equals(left, right);
}
