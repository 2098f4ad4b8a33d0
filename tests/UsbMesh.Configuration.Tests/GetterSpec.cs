namespace UsbMesh.Configuration.Tests;

/// <summary>The typed getters, their defaults and their errors, and the other parts of the <see cref="Config"/> API.</summary>
public sealed class GetterSpec
{
    private static readonly Config Sample = Hocon.Parse("""
        name = node-1
        port = 8080
        big = 3000000000
        ratio = 0.75
        enabled = on
        quoted-number = "42"
        timeout = 5 s
        buffer = 64 KiB
        hosts = [a, b, 3]
        nothing = null
        server { host = localhost, port = 22 }
        routes = [ { path = "/" }, { path = "/api" } ]
        "dotted.key" = 1
        indexed { "1" = second, "0" = first, other = ignored }
        """);

    [Fact]
    public void Getters_convert_as_the_spec_allows()
    {
        Assert.Equal("node-1", Sample.GetString("name"));
        Assert.Equal("8080", Sample.GetString("port"));
        Assert.Equal("22", Sample.GetString("server.port"));
        Assert.Equal(8080, Sample.GetInt("port"));
        Assert.Equal(42, Sample.GetInt("quoted-number"));
        Assert.Equal(3_000_000_000L, Sample.GetLong("big"));
        Assert.Equal(0.75, Sample.GetDouble("ratio"));
        Assert.Equal(8080.0, Sample.GetDouble("port"));
        Assert.True(Sample.GetBoolean("enabled"));
        Assert.Equal(TimeSpan.FromSeconds(5), Sample.GetTimeSpan("timeout"));
        Assert.Equal(65536, Sample.GetByteSize("buffer"));
        Assert.Equal(["a", "b", "3"], Sample.GetStringList("hosts"));
        Assert.Equal(["first", "second"], Sample.GetStringList("indexed"));
        Assert.Equal(1, Sample.GetInt("\"dotted.key\""));
        Assert.Equal("localhost", Sample.GetConfig("server").GetString("host"));
        Assert.Equal(["/", "/api"], Sample.GetConfigList("routes").Select(route => route.GetString("path")));
    }

    [Theory]
    [InlineData("yes", true)]
    [InlineData("on", true)]
    [InlineData("true", true)]
    [InlineData("\"true\"", true)]
    [InlineData("no", false)]
    [InlineData("off", false)]
    [InlineData("false", false)]
    public void Booleans_are_read_from_the_six_spec_words(string text, bool expected) =>
        Assert.Equal(expected, Hocon.Parse($"b = {text}").GetBoolean("b"));

    [Fact]
    public void Defaults_stand_in_for_missing_and_null_paths_only()
    {
        Assert.Equal("fallback", Sample.GetString("missing", "fallback"));
        Assert.Equal("fallback", Sample.GetString("nothing", "fallback"));
        Assert.Equal("node-1", Sample.GetString("name", "fallback"));
        Assert.Equal(7, Sample.GetInt("server.missing", 7));
        Assert.Equal(7L, Sample.GetLong("missing.deeper.still", 7L));
        Assert.True(Sample.GetBoolean("missing", true));
        Assert.Equal(1.5, Sample.GetDouble("missing", 1.5));
        Assert.Equal(TimeSpan.FromSeconds(3), Sample.GetTimeSpan("missing", TimeSpan.FromSeconds(3)));
        Assert.Equal(10, Sample.GetByteSize("missing", 10));
        Assert.Equal(["d"], Sample.GetStringList("missing", ["d"]));
        Assert.Equal([1], Sample.GetIntList("missing", [1]));
        Assert.True(Sample.GetConfig("missing").IsEmpty);
        Assert.True(Sample.GetConfig("nothing").IsEmpty);
    }

    [Fact]
    public void A_missing_path_without_a_default_is_an_error_naming_the_path()
    {
        var error = Assert.Throws<ConfigurationException>(() => Sample.GetString("server.user"));

        Assert.Contains("server.user", error.Message, StringComparison.Ordinal);
        Assert.Equal("server.user", error.Path);
    }

    [Fact]
    public void A_null_path_without_a_default_is_an_error_naming_where_it_was_set()
    {
        var error = Assert.Throws<ConfigurationException>(() => Sample.GetInt("nothing"));

        Assert.StartsWith("test.conf:10:", error.Message, StringComparison.Ordinal);
        Assert.Contains("'nothing' has the value null", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("name", "int", "the value \"node-1\"", "test.conf:1:")]
    [InlineData("ratio", "int", "the value 0.75", "test.conf:4:")]
    [InlineData("big", "int", "out of range", "test.conf:3:")]
    [InlineData("name", "bool", "the value \"node-1\"", "test.conf:1:")]
    [InlineData("server", "string", "an object", "test.conf:11:")]
    [InlineData("hosts", "string", "a list", "test.conf:9:")]
    [InlineData("name", "duration", "'node-1' is not a number", "test.conf:1:")]
    [InlineData("timeout", "bytes", "'s' is not a unit", "test.conf:7:")]
    [InlineData("name", "list", "which is not a list", "test.conf:1:")]
    [InlineData("server", "list", "which is not a list", "test.conf:11:")]
    [InlineData("name", "config", "which is not an object", "test.conf:1:")]
    [InlineData("routes", "strings", "routes[0]", "test.conf:12:")]
    public void A_value_of_the_wrong_type_is_an_error_naming_the_path_the_value_and_where_it_was_set(
        string path, string getter, string detail, string origin)
    {
        Action read = getter switch
        {
            "int" => () => Sample.GetInt(path),
            "bool" => () => Sample.GetBoolean(path, false),
            "string" => () => Sample.GetString(path, "default"),
            "duration" => () => Sample.GetTimeSpan(path),
            "bytes" => () => Sample.GetByteSize(path),
            "list" => () => Sample.GetStringList(path),
            "config" => () => Sample.GetConfig(path),
            _ => () => Sample.GetStringList(path),
        };

        var error = Assert.Throws<ConfigurationException>(read);

        Assert.StartsWith(origin, error.Message, StringComparison.Ordinal);
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains(detail, error.Message, StringComparison.Ordinal);
        Assert.Equal("test.conf", error.Origin?.Description);
    }

    [Fact]
    public void HasPath_is_false_for_missing_and_null_paths_and_paths_through_non_objects()
    {
        Assert.True(Sample.HasPath("server.host"));
        Assert.True(Sample.HasPath("server"));
        Assert.False(Sample.HasPath("nothing"));
        Assert.False(Sample.HasPath("server.user"));
        Assert.False(Sample.HasPath("name.deeper"));
    }

    [Fact]
    public void An_invalid_path_expression_is_an_error()
    {
        var error = Assert.Throws<ConfigurationException>(() => Sample.HasPath("a..b"));

        Assert.Contains("a..b", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WithFallback_fills_in_missing_paths_and_merges_objects_deeply()
    {
        var app = ConfigurationFactory.ParseString("server { port = 2222 }\nlist = [1]\nobj = 5", "app.conf");
        var reference = ConfigurationFactory.ParseString("server { host = localhost, port = 22 }\nlist = [0]\nobj { a = 1 }\nonly = here", "ref.conf");

        var config = app.WithFallback(reference);

        JsonAssert.Equal("""{ "server": { "host": "localhost", "port": 2222 }, "list": [1], "obj": 5, "only": "here" }""",
            config.ToJson()!.ToJsonString());
        Assert.Equal("ref.conf", config.GetOrigin("server.host")?.Description);
        Assert.Equal(new ConfigOrigin("app.conf", 1, 17), config.GetOrigin("server.port"));
        Assert.Same(app, app.WithFallback(ConfigurationFactory.Empty));
    }

    [Fact]
    public void WithFallback_is_merged_pairwise_so_a_non_object_hides_objects_below_it()
    {
        var first = ConfigurationFactory.ParseString("a { x = 1 }");
        var hiding = ConfigurationFactory.ParseString("a = 42");
        var hidden = ConfigurationFactory.ParseString("a { y = 2 }");

        JsonAssert.Equal("""{"a":{"x":1}}""", first.WithFallback(hiding).WithFallback(hidden).ToJson()!.ToJsonString());
        JsonAssert.Equal("""{"a":{"x":1,"y":2}}""", first.WithFallback(hidden).WithFallback(hiding).ToJson()!.ToJsonString());
    }

    [Fact]
    public void GetConfig_is_a_configuration_of_its_own_with_keys_in_definition_order()
    {
        var server = Sample.GetConfig("server");

        Assert.Equal(["host", "port"], server.Keys);
        Assert.Equal(22, server.GetInt("port"));
        Assert.False(server.HasPath("name"));
        Assert.Equal(new ConfigOrigin("test.conf", 11, 35), server.GetOrigin("port"));
    }

    [Fact]
    public void Empty_has_no_keys_and_every_getter_with_a_default_returns_it()
    {
        var empty = ConfigurationFactory.Empty;

        Assert.True(empty.IsEmpty);
        Assert.Empty(empty.Keys);
        Assert.Equal("x", empty.GetString("a.b", "x"));
        Assert.False(empty.HasPath("a"));
        Assert.Null(empty.GetOrigin("a"));
        Assert.True(ConfigurationFactory.Load().IsEmpty);
    }

    [Fact]
    public void ToJson_keeps_the_hocon_type_of_numbers()
    {
        var json = Hocon.Parse("i = 1\nd = 1.0\ne = 1e3\nbig = 123456789012345678901234\ns = \"1\"").ToJson()!;

        Assert.Equal(1L, json["i"]!.GetValue<long>());
        Assert.Equal(1.0, json["d"]!.GetValue<double>());
        Assert.Equal(1000.0, json["e"]!.GetValue<double>());
        Assert.Equal(1.2345678901234568E+23, json["big"]!.GetValue<double>());
        Assert.Equal("1", json["s"]!.GetValue<string>());
    }

    [Fact]
    public void Render_is_hocon_that_parses_back_to_the_same_configuration()
    {
        var text = Sample.Render();

        var reparsed = ConfigurationFactory.ParseString(text, "rendered").Resolve();

        Assert.Equal(Sample.ToJson()!.ToJsonString(), reparsed.ToJson()!.ToJsonString());
        Assert.Equal(text, Sample.ToString());
    }

    [Fact]
    public void Render_with_origins_puts_where_each_value_was_set_above_it()
    {
        var config = ConfigurationFactory.ParseString("a {\n  b = \"x y\"\n  \"include\" = [1, {c = 2}]\n}", "app.conf");

        var text = config.Render(withOrigins: true);

        Assert.Equal("""
            # app.conf:1:3
            a {
                # app.conf:2:7
                b = "x y"
                # app.conf:3:15
                "include" = [
                    1
                    {
                        # app.conf:3:24
                        c = 2
                    }
                ]
            }

            """.ReplaceLineEndings("\n"), text);
    }
}
