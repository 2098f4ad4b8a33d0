namespace UsbMesh.Shell.Tests;

/// <summary>The shared command-line parser: positions, switches, flags, defaults, mandatory arguments and default commands.</summary>
public sealed class CommandParserSpec
{
    private static readonly CommandPalette[] Palettes =
    [
        new("attach", "Attach.",
        [
            new("device", "Attach a device.",
            [
                new("device", "The device.", ["--device"], Mandatory: true, Position: 0),
                new("to", "Where.", ["-t", "--to"], Default: "usbipd"),
            ], RequiresAdmin: true),
            new("list", "List.", []),
        ], Default: "device"),
        new("devices", "Devices.",
        [
            new("list", "List.", [new("json", "As JSON.", ["--json"], IsFlag: true)]),
            new("share", "Share.", [new("device", "The device.", ["--device"], Mandatory: true, Position: 0), new("with", "Peer.", ["-w", "--with"], Mandatory: true)]),
        ]),
    ];

    private static CommandRequest Parse(params string[] words)
    {
        var request = CommandParser.Parse(Palettes, words, node: null, out var error);
        Assert.True(request is not null, error);
        return request!;
    }

    private static string Refused(params string[] words)
    {
        Assert.Null(CommandParser.Parse(Palettes, words, node: null, out var error));
        return error!;
    }

    [Fact]
    public void Positional_and_switch_values_fill_the_request_and_defaults_the_rest()
    {
        var request = Parse("attach", "device", "hub/1-1");

        Assert.Equal(("attach", "device"), (request.Palette, request.Command));
        Assert.Equal("hub/1-1", request.Get("device"));
        Assert.Equal("usbipd", request.Get("to"));
    }

    [Fact]
    public void A_switch_overrides_the_default_in_its_short_or_long_form()
    {
        Assert.Equal("vhci", Parse("attach", "device", "hub/1-1", "--to", "vhci").Get("to"));
        Assert.Equal("vhci", Parse("attach", "device", "-t", "vhci", "hub/1-1").Get("to"));
    }

    [Fact]
    public void A_word_that_is_no_command_goes_to_the_palettes_default_command()
    {
        var request = Parse("attach", "hub/1-1", "--to", "vhci");

        Assert.Equal("device", request.Command);
        Assert.Equal("hub/1-1", request.Get("device"));
    }

    [Fact]
    public void A_command_of_the_palette_wins_over_the_default()
    {
        Assert.Equal("list", Parse("attach", "list").Command);
    }

    [Fact]
    public void A_flag_takes_no_value()
    {
        var request = Parse("devices", "list", "--json");

        Assert.True(request.Flag("json"));
        Assert.False(Parse("devices", "list").Flag("json"));
    }

    [Fact]
    public void A_missing_mandatory_argument_is_named()
    {
        var error = Refused("devices", "share", "hub/1-1");

        Assert.Contains("needs --with <with>", error, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_switch_is_refused_with_the_usage()
    {
        var error = Refused("devices", "list", "--yaml");

        Assert.Contains("has no switch --yaml", error, StringComparison.Ordinal);
        Assert.Contains("Usage: devices list [--json]", error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_switch_without_its_value_is_refused()
    {
        Assert.Contains("--with needs a value", Refused("devices", "share", "hub/1-1", "--with"), StringComparison.Ordinal);
    }

    [Fact]
    public void An_extra_positional_word_is_refused()
    {
        Assert.Contains("Unexpected 'extra'", Refused("attach", "device", "hub/1-1", "extra"), StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_palettes_and_commands_list_what_there_is()
    {
        Assert.Contains("Palettes: attach, devices", Refused("nodes"), StringComparison.Ordinal);
        Assert.Contains("Commands: list, share", Refused("devices", "remove"), StringComparison.Ordinal);
        Assert.Contains("Name a palette", Refused(), StringComparison.Ordinal);
    }

    [Fact]
    public void The_node_to_run_on_is_kept()
    {
        Assert.Equal("desk", CommandParser.Parse(Palettes, ["devices", "list"], "desk", out _)!.Node);
    }

    [Fact]
    public void Complete_refuses_an_argument_the_definition_does_not_take()
    {
        var definition = Palettes[1].Find("list")!;

        var completed = CommandParser.Complete(definition, new CommandRequest("devices", "list", new Dictionary<string, string> { ["yaml"] = "true" }), out var error);

        Assert.Null(completed);
        Assert.Contains("takes no argument 'yaml'", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Usage_shows_positions_first_then_switches()
    {
        var palette = Palettes[0];

        Assert.Equal("Usage: attach device <device> [--to <to>]", CommandParser.Usage(palette, palette.Find("device")!));
    }
}
