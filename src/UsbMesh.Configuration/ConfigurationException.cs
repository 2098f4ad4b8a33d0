namespace UsbMesh.Configuration;

/// <summary>
/// Every error the library raises: syntax errors (at the offending token, saying what was expected), resolution
/// errors (an unknown substitution, a cycle, listed), include failures, and getters of the wrong type or a missing
/// path (naming the path, the value and where it was set). The message starts with the origin when there is one:
/// <c>demo.conf:12:7: expected '}' or a key, found ']'</c>.
/// </summary>
public class ConfigurationException : Exception
{
    public ConfigurationException(string message)
        : this(message, origin: null, path: null)
    {
    }

    public ConfigurationException(string message, Exception? innerException)
        : this(message, origin: null, path: null, innerException)
    {
    }

    /// <summary>An error at <paramref name="origin"/>; the message is prefixed with it.</summary>
    public ConfigurationException(string message, ConfigOrigin? origin, string? path, Exception? innerException = null)
        : base(origin is null ? message : $"{origin}: {message}", innerException)
    {
        Origin = origin;
        Path = path;
        Reason = message;
    }

    /// <summary>Where the problem is, when known.</summary>
    public ConfigOrigin? Origin { get; }

    /// <summary>The configuration path involved (a getter's path, a substitution's path), when there is one.</summary>
    public string? Path { get; }

    /// <summary>The message without the origin prefix.</summary>
    internal string Reason { get; }
}
