namespace UsbMesh.Configuration.Tests;

/// <summary>Includes: location relative to the including file, formats, merging, substitution fix-up, required.</summary>
public sealed class IncludeSpec : IDisposable
{
    private readonly TempFiles _files = new();

    public void Dispose() => _files.Dispose();

    [Fact]
    public void An_include_is_resolved_relative_to_the_including_file_and_merged_where_it_stands()
    {
        _files.Write("conf/parts/defaults.conf", "a = from-include\nb = from-include\nnested { x = 1 }");
        var main = _files.Write("conf/main.conf", "a = before\ninclude \"parts/defaults.conf\"\nb = after\nnested.y = 2");

        var config = ConfigurationFactory.FromFile(main);

        Assert.Equal("from-include", config.GetString("a"));
        Assert.Equal("after", config.GetString("b"));
        JsonAssert.Equal("""{ "x": 1, "y": 2 }""", config.GetConfig("nested").ToJson()!.ToJsonString());
        Assert.Equal(new ConfigOrigin(Path.Combine(_files.Root, "conf", "parts/defaults.conf"), 1, 5), config.GetOrigin("a"));
    }

    [Fact]
    public void An_include_inside_an_object_fixes_its_substitutions_up_to_that_object_and_falls_back_to_the_root()
    {
        _files.Write("foo.conf", "x = 10\ny = ${x}\nz = ${shared}\nlist += 1");
        var main = _files.Write("main.conf", "shared = root\na { include \"foo.conf\" }\na { x = 42 }\nb { include \"foo.conf\" }\nb.list += 2");

        var json = ConfigurationFactory.FromFile(main).ToJson()!.ToJsonString();

        JsonAssert.Equal(
            """{ "shared": "root", "a": { "x": 42, "y": 42, "z": "root", "list": [1] }, "b": { "x": 10, "y": 10, "z": "root", "list": [1, 2] } }""",
            json);
    }

    [Fact]
    public void A_name_without_extension_loads_every_format_with_hocon_winning_over_json_over_properties()
    {
        _files.Write("settings.properties", "a = properties\nb = properties\nc = properties");
        _files.Write("settings.json", """{ "a": "json", "b": "json" }""");
        _files.Write("settings.conf", "a = conf");
        var main = _files.Write("main.conf", "include \"settings\"");

        var json = ConfigurationFactory.FromFile(main).ToJson()!.ToJsonString();

        JsonAssert.Equal("""{ "a": "conf", "b": "json", "c": "properties" }""", json);
    }

    [Fact]
    public void A_missing_include_is_ignored_and_a_missing_required_one_is_an_error_at_the_include()
    {
        var optional = _files.Write("optional.conf", "include \"nothere\"\ninclude file(\"nothere.conf\")\na = 1");
        var required = _files.Write("required.conf", "a = 1\n  include required(\"nothere.conf\")");
        var requiredFile = _files.Write("required-file.conf", "include required( file( \"nothere\" ) )");

        Assert.Equal(1, ConfigurationFactory.FromFile(optional).GetInt("a"));
        var error = Assert.Throws<ConfigurationException>(() => ConfigurationFactory.FromFile(required));
        Assert.StartsWith($"{required}:2:3: required include \"nothere.conf\" not found", error.Message, StringComparison.Ordinal);
        var basename = Assert.Throws<ConfigurationException>(() => ConfigurationFactory.FromFile(requiredFile));
        Assert.Contains("nothere.conf", basename.Message, StringComparison.Ordinal);
        Assert.Equal(new ConfigOrigin(requiredFile, 1, 1), basename.Origin);
    }

    [Fact]
    public void A_required_include_that_exists_is_read()
    {
        _files.Write("sub/values.conf", "v = 7");
        var main = _files.Write("main.conf", "include required(file(\"sub/values.conf\"))\ninclude required(\"sub/values\")");

        Assert.Equal(7, ConfigurationFactory.FromFile(main).GetInt("v"));
    }

    [Fact]
    public void An_include_cycle_is_reported_with_the_chain()
    {
        var a = _files.Write("a.conf", "include \"b.conf\"");
        _files.Write("b.conf", "x = 1\ninclude \"a.conf\"");

        var error = Assert.Throws<ConfigurationException>(() => ConfigurationFactory.FromFile(a));

        Assert.Contains("include cycle", error.Message, StringComparison.Ordinal);
        Assert.Contains("b.conf -> ", error.Message, StringComparison.Ordinal);
        Assert.Equal(2, error.Origin?.Line);
    }

    [Fact]
    public void An_included_file_with_a_syntax_error_reports_its_own_position()
    {
        var broken = _files.Write("broken.conf", "ok = 1\nbad = [1, 2");
        var main = _files.Write("main.conf", "include \"broken.conf\"");

        var error = Assert.Throws<ConfigurationException>(() => ConfigurationFactory.FromFile(main));

        Assert.StartsWith($"{broken}:2:", error.Message, StringComparison.Ordinal);
        Assert.Contains("expected", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Url_and_classpath_includes_are_refused_with_a_position()
    {
        var main = _files.Write("main.conf", "a = 1\ninclude url(\"http://example.com/x.conf\")");

        var error = Assert.Throws<ConfigurationException>(() => ConfigurationFactory.FromFile(main));

        Assert.StartsWith($"{main}:2:1: ", error.Message, StringComparison.Ordinal);
        Assert.Contains("not supported", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_string_resolves_includes_against_the_base_directory_given()
    {
        _files.Write("extra.conf", "extra = yes");

        var config = ConfigurationFactory.ParseString("include \"extra.conf\"", "inline", _files.Root);

        Assert.True(config.GetBoolean("extra"));
    }
}
