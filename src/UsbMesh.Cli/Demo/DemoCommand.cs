using System.CommandLine;
using UsbMesh.Configuration;

namespace UsbMesh.Cli.Demo;

/// <summary><c>usbmesh demo [--keep] [--size 64MiB]</c>: two nodes in this process share a stick over the mesh.</summary>
internal static class DemoCommand
{
    public const long MinSize = 1L << 20;
    public const long MaxSize = 1L << 30;
    public const long DefaultSize = 64L << 20;

    public static Command Create()
    {
        var keep = new Option<bool>("--keep")
        {
            Description = "Leaves both nodes running afterwards, prints where they listen and waits for Ctrl-C.",
        };
        var size = new Option<long?>("--size")
        {
            Description = "The stick's size, written and read back whole: 1 MiB to 1 GiB in whole MiB (default: 64MiB).",
            HelpName = "SIZE",
            CustomParser = result => ParseSize(result.Tokens[0].Value, out var bytes, out var error) ? bytes : Fail(result, error),
        };
        var command = new Command("demo", "Runs two nodes in this process, no USB hardware or root needed: a hub with an emulated keyboard and stick, "
            + "and a desk that imports the stick over the mesh (TLS on loopback), writes it whole, reads it back and shows the figures.")
        {
            keep, size,
        };
        command.SetAction((parse, _) =>
        {
            var json = parse.GetValue<bool>(ClientOptions.JsonSwitch);
            return new DemoRun(Terminal.Create(), parse.GetValue(size) ?? DefaultSize, parse.GetValue(keep), json).RunAsync();
        });
        return command;
    }

    /// <summary>A size as the node's configuration writes one: <c>64MiB</c>, <c>64 MiB</c>, <c>1GiB</c>.</summary>
    internal static bool ParseSize(string text, out long bytes, out string error)
    {
        bytes = 0;
        error = "";
        try
        {
            bytes = ConfigurationFactory.ParseString($"size = {text}", "--size").GetByteSize("size");
        }
        catch (ConfigurationException)
        {
            error = $"--size: [{text}] is not a size such as 64MiB.";
            return false;
        }

        if (bytes is < MinSize or > MaxSize || bytes % MinSize != 0)
        {
            error = $"--size: {text} is not 1 MiB to 1 GiB in whole MiB.";
            return false;
        }

        return true;
    }

    private static long? Fail(System.CommandLine.Parsing.ArgumentResult result, string error)
    {
        result.AddError(error);
        return null;
    }
}
