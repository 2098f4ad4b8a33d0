namespace UsbMesh.Configuration.Tests;

/// <summary>The HOCON syntax, section by section of the spec.</summary>
public sealed class SyntaxSpec
{
    [Theory]
    [InlineData("a = 1 # hash comment\nb = 2 // slash comment\n// whole line\n# whole line")]
    [InlineData("{ a = 1, b = 2 }")]
    [InlineData("a : 1\nb : 2")]
    [InlineData("a = 1, b = 2,")]
    [InlineData("\n\n  a=1\n\n\n  b=2\n\n")]
    [InlineData("a = 1\r\nb = 2\r\n")]
    [InlineData("\uFEFFa = 1\u00A0\u2003,\u2028b = 2")]
    public void Comments_separators_commas_and_whitespace_are_layout(string hocon) =>
        JsonAssert.Equal("""{ "a": 1, "b": 2 }""", Hocon.Json(hocon));

    [Fact]
    public void The_separator_may_be_left_out_before_an_object_and_may_follow_a_newline()
    {
        JsonAssert.Equal("""{ "a": { "x": 1 }, "b": { "y": 2 } }""", Hocon.Json("a { x = 1 }\nb\n  { y = 2 }"));
        JsonAssert.Equal("""{ "a": 1 }""", Hocon.Json("a\n  =\n  1"));
    }

    [Fact]
    public void A_comment_marker_inside_a_quoted_string_is_text() =>
        JsonAssert.Equal("""{ "url": "http://example.com/#top" }""", Hocon.Json("url = \"http://example.com/#top\" // comment"));

    [Fact]
    public void Quoted_strings_take_json_escapes()
    {
        var config = Hocon.Parse("""s = "tab\tquote\"slash\/back\\u\u00e9" """);

        Assert.Equal("tab\tquote\"slash/back\\u\u00e9", config.GetString("s"));
    }

    [Fact]
    public void Triple_quoted_strings_keep_everything_and_extra_closing_quotes()
    {
        var config = Hocon.Parse("a = \"\"\"line one\n  \"quoted\" \\n ${not.a.substitution}\"\"\"\nb = \"\"\"x\"\"\"\"\"");

        Assert.Equal("line one\n  \"quoted\" \\n ${not.a.substitution}", config.GetString("a"));
        Assert.Equal("x\"\"", config.GetString("b"));
    }

    [Fact]
    public void Unquoted_strings_run_to_a_forbidden_character_and_keep_inner_whitespace()
    {
        var config = Hocon.Parse("a = hello world  \nb = some/path.with-dots_and%percent'quote\nc = a/b//comment");

        Assert.Equal("hello world", config.GetString("a"));
        Assert.Equal("some/path.with-dots_and%percent'quote", config.GetString("b"));
        Assert.Equal("a/b", config.GetString("c"));
    }

    [Theory]
    [InlineData("a = 10", "10", "number")]
    [InlineData("a = -1.5e3", "-1.5e3", "number")]
    [InlineData("a = true", "true", "boolean")]
    [InlineData("a = null", "null", "null")]
    [InlineData("a = truefoo", "truefoo", "string")]
    [InlineData("a = footrue", "footrue", "string")]
    [InlineData("a = 10.0bar", "10.0bar", "string")]
    [InlineData("a = 1.2.3", "1.2.3", "string")]
    [InlineData("a = 192.168.1.1", "192.168.1.1", "string")]
    [InlineData("a = 2024-01-31", "2024-01-31", "string")]
    [InlineData("a = .5", ".5", "string")]
    [InlineData("a = \"10\"", "10", "string")]
    public void Values_keep_their_type_unless_concatenated(string hocon, string text, string kind)
    {
        var json = Hocon.Parse(hocon).ToJson()!["a"];

        switch (kind)
        {
            case "number":
                Assert.Equal(System.Text.Json.JsonValueKind.Number, json!.GetValueKind());
                Assert.Equal(double.Parse(text, System.Globalization.CultureInfo.InvariantCulture),
                    double.Parse(json.ToJsonString(), System.Globalization.CultureInfo.InvariantCulture));
                break;
            case "boolean":
                Assert.True(json!.GetValue<bool>());
                break;
            case "null":
                Assert.Null(json);
                break;
            default:
                Assert.Equal(text, json!.GetValue<string>());
                break;
        }
    }

    [Fact]
    public void Concatenation_keeps_numbers_as_written_and_whitespace_between_values()
    {
        var config = Hocon.Parse("a = 1.0   and   null \"quoted \" 0x\nb = [1, 2] [3]\nc = { x = 1 } { y = 2 }");

        Assert.Equal("1.0   and   null quoted  0x", config.GetString("a"));
        Assert.Equal(["1", "2", "3"], config.GetStringList("b"));
        JsonAssert.Equal("""{ "x": 1, "y": 2 }""", config.GetConfig("c").ToJson()!.ToJsonString());
    }

    [Fact]
    public void Whitespace_without_a_newline_does_not_separate_list_elements()
    {
        var config = Hocon.Parse("a = [ 1 2 3 ]\nb = [ 1\n 2\n 3 ]\nc = [ [1] [2], [3]\n [4] ]");

        Assert.Equal(["1 2 3"], config.GetStringList("a"));
        Assert.Equal([1, 2, 3], config.GetIntList("b"));
        JsonAssert.Equal("[[1, 2], [3], [4]]", config.ToJson()!["c"]!.ToJsonString());
    }

    [Fact]
    public void Dotted_keys_create_objects_and_quotes_keep_dots()
    {
        var json = Hocon.Json("a.b.c = 1\na.b.d = 2\n\"x.y\" = 3\na.\"\".e = 4\n10.5 = 5\nkey with  spaces.x = 6");

        JsonAssert.Equal(
            """{ "a": { "b": { "c": 1, "d": 2 }, "": { "e": 4 } }, "x.y": 3, "10": { "5": 5 }, "key with  spaces": { "x": 6 } }""",
            json);
    }

    [Fact]
    public void Keys_are_always_strings_even_when_they_look_like_other_values() =>
        JsonAssert.Equal("""{ "true": 1, "null": 2, "3": 3 }""", Hocon.Json("true = 1\nnull = 2\n3 = 3"));

    [Fact]
    public void Include_only_means_include_at_the_start_of_a_key()
    {
        var json = Hocon.Json("foo include = 1\n\"include\" = 2\nvalue = include\nlist = [include]");

        JsonAssert.Equal("""{ "foo include": 1, "include": 2, "value": "include", "list": ["include"] }""", json);
    }

    [Fact]
    public void Duplicate_object_keys_merge_and_other_values_replace()
    {
        var json = Hocon.Json("""
            a = { x = 1, y = { p = 1 } }
            a = { y = { q = 2 }, z = 3 }
            b = { x = 1 }
            b = null
            b = { y = 2 }
            c = { x = 1 }
            c = 5
            """);

        JsonAssert.Equal("""{ "a": { "x": 1, "y": { "p": 1, "q": 2 }, "z": 3 }, "b": { "y": 2 }, "c": 5 }""", json);
    }

    [Fact]
    public void A_json_file_is_read_as_strict_json()
    {
        using var files = new TempFiles();
        var valid = files.Write("valid.json", """{ "a": [1, 2.5, "x", true, null], "b": { "c": "${not.a.substitution}" } }""");
        var hoconOnly = files.Write("hocon.json", "{ \"a\": 1,\n  b = 2 }");

        JsonAssert.Equal("""{ "a": [1, 2.5, "x", true, null], "b": { "c": "${not.a.substitution}" } }""",
            ConfigurationFactory.FromFile(valid).ToJson()!.ToJsonString());
        var error = Assert.Throws<ConfigurationException>(() => ConfigurationFactory.FromFile(hoconOnly));
        Assert.StartsWith($"{hoconOnly}:2:3: ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_properties_file_maps_dotted_keys_to_objects_of_strings()
    {
        using var files = new TempFiles();
        var path = files.Write("app.properties", "# comment\n! comment\na.b = 1\na.c : two words\\\n   continued\nflag true\na = hidden by the object\nescaped\\ key = \\u0041\n");

        var config = ConfigurationFactory.FromFile(path);

        JsonAssert.Equal("""{ "a": { "b": "1", "c": "two wordscontinued" }, "flag": "true", "escaped key": "A" }""",
            config.ToJson()!.ToJsonString());
        Assert.Equal(1, config.GetInt("a.b"));
        Assert.True(config.GetBoolean("flag"));
        Assert.Equal(new ConfigOrigin(path, 3, 1), config.GetOrigin("a.b"));
    }

    [Fact]
    public void A_megabyte_of_configuration_parses_and_resolves_in_well_under_a_second()
    {
        var text = new System.Text.StringBuilder();
        for (var i = 0; text.Length < 1024 * 1024; i++)
        {
            text.Append("section").Append(i % 100).Append(".key").Append(i).Append(" = \"value ").Append(i).Append("\" # comment\n");
            text.Append("refs.r").Append(i).Append(" = ${section").Append(i % 100).Append(".key").Append(i).Append("} suffix\n");
        }

        var watch = System.Diagnostics.Stopwatch.StartNew();
        var config = ConfigurationFactory.ParseString(text.ToString()).Resolve();
        watch.Stop();

        Assert.Equal("value 7 suffix", config.GetString("refs.r7"));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2), $"took {watch.Elapsed}");
    }
}
