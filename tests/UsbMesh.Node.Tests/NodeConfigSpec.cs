namespace UsbMesh.Node.Tests;

public sealed class NodeConfigSpec : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void The_embedded_reference_is_hocon_reference_conf()
    {
        using var stream = typeof(NodeConfig).Assembly.GetManifestResourceStream(NodeConfig.ReferenceResourceName);
        Assert.NotNull(stream);
        using var reader = new StreamReader(stream);

        Assert.Equal(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "hocon", "reference.conf")), reader.ReadToEnd());
    }

    [Fact]
    public void A_misspelt_setting_is_refused_with_its_place_and_the_setting_it_resembles()
    {
        var file = _directory.Write("typo.conf", "usbmesh {\n  node.name = hub\n  logging.levle = debug\n}\n");

        var error = Assert.Throws<ConfigurationException>(() => NodeConfig.Load(file));

        Assert.Equal(3, error.Origin?.Line);
        Assert.EndsWith("typo.conf", error.Origin?.Description, StringComparison.Ordinal);
        Assert.Contains("unknown setting usbmesh.logging.levle; did you mean usbmesh.logging.level?", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Settings_whose_keys_are_names_and_settings_outside_usbmesh_are_allowed()
    {
        var config = NodeConfig.Load(file: null,
        [
            "usbmesh.actor.dispatchers.serial-dispatcher { type = PinnedDispatcher, throughput = 5 }",
            "usbmesh.logging.overrides.\"UsbMesh.Actors\" = debug",
            "my-tool.anything = 1",
        ]);

        Assert.Equal(5, config.GetInt("usbmesh.actor.dispatchers.serial-dispatcher.throughput"));
        Assert.Equal(1, config.GetInt("my-tool.anything"));
        Assert.Throws<ConfigurationException>(() => NodeConfig.Load(file: null, ["usbmesh.nodes.name = x"]));
    }

    [Fact]
    public void Without_a_file_the_defaults_apply()
    {
        var config = NodeConfig.Load(file: null);

        Assert.Equal("/var/lib/usbmesh", config.GetString("usbmesh.node.state-directory"));
        Assert.Equal(NodeConfig.ReferenceResourceName, config.GetOrigin("usbmesh.node.state-directory")?.Description);
    }

    [Fact]
    public void The_file_wins_over_the_defaults_and_overrides_win_over_the_file_the_last_one_first()
    {
        var file = _directory.Write("node.conf", "usbmesh.node.name = from-file\nusbmesh.actor.ask-timeout = 2s\n");

        var config = NodeConfig.Load(file, ["usbmesh.node.name=first", "usbmesh.node.name = second", "usbmesh.logging.level=debug"]);

        Assert.Equal("second", config.GetString("usbmesh.node.name"));
        Assert.Equal(NodeConfig.OverrideOrigin, config.GetOrigin("usbmesh.node.name")?.Description);
        Assert.Equal("debug", config.GetString("usbmesh.logging.level"));
        Assert.Equal(TimeSpan.FromSeconds(2), config.GetTimeSpan("usbmesh.actor.ask-timeout"));
        Assert.Equal(2, config.GetOrigin("usbmesh.actor.ask-timeout")?.Line);
        Assert.Equal(TimeSpan.FromSeconds(5), config.GetTimeSpan("usbmesh.coordinated-shutdown.default-phase-timeout"));
    }

    [Fact]
    public void An_override_value_is_hocon()
    {
        var config = NodeConfig.Load(null, ["usbmesh.listen.endpoints=[\"127.0.0.1:1\", \"127.0.0.1:2\"]", "usbmesh.logging.file={ path = a.log }"]);

        Assert.Equal(["127.0.0.1:1", "127.0.0.1:2"], config.GetStringList("usbmesh.listen.endpoints"));
        Assert.Equal("a.log", config.GetString("usbmesh.logging.file.path"));
        Assert.Equal("json", config.GetString("usbmesh.logging.file.format"));
    }

    [Fact]
    public void An_empty_override_value_is_the_empty_string()
    {
        var config = NodeConfig.Load(null, ["usbmesh.node.name="]);

        Assert.Equal("", config.GetString("usbmesh.node.name"));
    }

    [Theory]
    [InlineData("usbmesh.node.name")]
    [InlineData("=value")]
    [InlineData(" = value")]
    public void An_override_without_a_path_and_a_value_is_refused(string assignment)
    {
        var error = Assert.Throws<ConfigurationException>(() => NodeConfig.Load(null, [assignment]));

        Assert.Contains("path=value", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_file_is_a_configuration_error_naming_it()
    {
        var missing = Path.Combine(_directory.Path, "missing.conf");

        var error = Assert.Throws<ConfigurationException>(() => NodeConfig.Load(missing));

        Assert.StartsWith(missing, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_syntax_error_names_the_file_line_and_column()
    {
        var file = _directory.Write("broken.conf", "usbmesh {\n  node {\n    name = demo\n  ]\n}\n");

        var error = Assert.Throws<ConfigurationException>(() => NodeConfig.Load(file));

        Assert.Matches(@"broken\.conf:4:\d+: ", error.Message);
    }

    [Fact]
    public void Substitutions_resolve_after_the_merge_so_defaults_follow_the_file()
    {
        var file = _directory.Write("node.conf", "usbmesh.dashboard.endpoint = \"127.0.0.1:9999\"\n");

        var config = NodeConfig.Load(file);

        Assert.Equal("127.0.0.1:9999", config.GetString("usbmesh.metrics.endpoint"));
    }

    [Fact]
    public void A_file_can_refer_to_the_environment()
    {
        var variable = "USBMESH_TEST_" + Guid.NewGuid().ToString("N");
        Environment.SetEnvironmentVariable(variable, "from-env");
        try
        {
            var file = _directory.Write("node.conf", $"usbmesh.node.name = ${{?{variable}}}\nusbmesh.node.state-directory = ${{?{variable}_UNSET}}\n");

            var config = NodeConfig.Load(file);

            Assert.Equal("from-env", config.GetString("usbmesh.node.name"));
            Assert.Equal("/var/lib/usbmesh", config.GetString("usbmesh.node.state-directory"));
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
        }
    }
}
