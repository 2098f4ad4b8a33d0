namespace UsbMesh.Cli;

/// <summary>The client's own options, given before the command's words (or after them, where the command has no
/// switch of the same name).</summary>
/// <param name="Socket">The node's admin socket (<c>--socket</c>), when given.</param>
/// <param name="Node">Another node of the mesh to run commands on, through the local one (<c>--node</c>).</param>
/// <param name="Json">Output for scripts: JSON on stdout (<c>--json</c>).</param>
/// <param name="Config">The node's configuration file, to find its socket (<c>--config</c>).</param>
internal sealed record ClientOptions(string? Socket = null, string? Node = null, bool Json = false, string? Config = null)
{
    public const string SocketSwitch = "--socket";
    public const string NodeSwitch = "--node";
    public const string JsonSwitch = "--json";
    public const string ConfigSwitch = "--config";

    /// <summary>Whether <paramref name="word"/> is one of the client's switches that take a value.</summary>
    public static bool TakesValue(string word) => word is SocketSwitch or NodeSwitch or ConfigSwitch;

    /// <summary>Whether <paramref name="word"/> is one of the client's switches.</summary>
    public static bool IsSwitch(string word) => TakesValue(word) || word == JsonSwitch;

    /// <summary>These options with one more switch applied.</summary>
    public ClientOptions With(string word, string? value) => word switch
    {
        SocketSwitch => this with { Socket = value },
        NodeSwitch => this with { Node = value },
        ConfigSwitch => this with { Config = value },
        JsonSwitch => this with { Json = true },
        _ => throw new ArgumentException($"{word} is not a client switch", nameof(word)),
    };
}
