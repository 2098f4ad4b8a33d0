using UsbMesh.Cli.Interactive;
using UsbMesh.Shell;

namespace UsbMesh.Cli.Tests;

/// <summary>How the client reads command lines: words, its own switches among the command's, completion.</summary>
public sealed class CommandWordsSpec
{
    private static readonly CommandPalette[] Palettes =
    [
        new("devices", "Devices.",
        [
            new("list", "Lists them.", [new CommandArgument("node", "Only this node's.", ["--node"])]),
            new("info", "One of them.", [new CommandArgument("device", "The device.", ["-d", "--device"], Mandatory: true, Position: 0)]),
        ]),
        new("attach", "Attaches.", [new("device", "A device.", [new CommandArgument("device", "The device.", ["--device"], Mandatory: true, Position: 0), new CommandArgument("to", "Where.", ["-t", "--to"])]), new("list", "Attached ones.", [])], Default: "device"),
    ];

    [Theory]
    [InlineData("devices list", new[] { "devices", "list" })]
    [InlineData("  gadgets type   'hello world' ", new[] { "gadgets", "type", "hello world" })]
    [InlineData("say \"a \\\"quoted\\\" word\" b\\ c", new[] { "say", "a \"quoted\" word", "b c" })]
    [InlineData("empty '' \"\"", new[] { "empty", "", "" })]
    public void A_line_splits_into_words_as_a_shell_splits_it(string line, string[] words) =>
        Assert.Equal(words, CommandWords.Split(line, out _));

    [Fact]
    public void An_open_quote_is_an_error()
    {
        Assert.Null(CommandWords.Split("type 'oops", out var error));
        Assert.Equal("The quote ' is not closed.", error);
    }

    [Fact]
    public void The_clients_switches_are_taken_out_unless_the_command_has_them_itself()
    {
        var options = new ClientOptions();
        var words = CommandWords.TakeClientSwitches(Palettes, ["--json", "devices", "info", "hub/1-1", "--node", "hub"], ref options, out _);
        Assert.Equal(["devices", "info", "hub/1-1"], words);
        Assert.Equal(new ClientOptions(Node: "hub", Json: true), options);

        // 'devices list --node' filters by node: the switch is the command's.
        options = new ClientOptions();
        words = CommandWords.TakeClientSwitches(Palettes, ["devices", "list", "--node", "hub", "--json"], ref options, out _);
        Assert.Equal(["devices", "list", "--node", "hub"], words);
        Assert.Equal(new ClientOptions(Json: true), options);
    }

    [Fact]
    public void A_client_switch_without_its_value_is_an_error()
    {
        var options = new ClientOptions();
        Assert.Null(CommandWords.TakeClientSwitches(Palettes, ["devices", "info", "x", "--node"], ref options, out var error));
        Assert.Equal("--node needs a value.", error);
    }

    [Theory]
    [InlineData(new string[0], "", new[] { "attach", "devices", "exit", "help", "quit" })]
    [InlineData(new string[0], "de", new[] { "devices" })]
    [InlineData(new[] { "devices" }, "", new[] { "info", "list" })]
    [InlineData(new[] { "devices", "info" }, "--", new[] { "--device", "--json", "--node" })]
    [InlineData(new[] { "attach", "hub/1-1" }, "--t", new[] { "--to" })]
    [InlineData(new[] { "help" }, "a", new[] { "attach" })]
    [InlineData(new[] { "help", "attach" }, "", new[] { "device", "list" })]
    [InlineData(new[] { "bogus" }, "", new string[0])]
    public void Completion_offers_palettes_then_commands_then_switches(string[] before, string partial, string[] candidates) =>
        Assert.Equal(candidates, Completion.Candidates(Palettes, before, partial));

    [Fact]
    public void Completion_extends_to_what_all_candidates_share() =>
        Assert.Equal("--de", Completion.CommonPrefix(["--device", "--deny"]));

    [Theory]
    [InlineData(new[] { "node", "status" }, new[] { "--", "node", "status" })]
    [InlineData(new[] { "--json", "attach", "hub/1-1", "--to", "usbipd" }, new[] { "--json", "--", "attach", "hub/1-1", "--to", "usbipd" })]
    [InlineData(new[] { "--socket", "/s", "demo", "--keep" }, new[] { "--socket", "/s", "demo", "--keep" })]
    [InlineData(new[] { "--node", "hub" }, new[] { "--node", "hub" })]
    public void The_nodes_command_is_marked_off_from_the_clients_options(string[] args, string[] prepared) =>
        Assert.Equal(prepared, CliCommand.Prepare(args));
}
