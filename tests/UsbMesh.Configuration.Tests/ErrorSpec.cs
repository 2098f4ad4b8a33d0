namespace UsbMesh.Configuration.Tests;

/// <summary>
/// Errors: every one is a <see cref="ConfigurationException"/> whose message starts with <c>file:line:col</c> and
/// says what was expected or what went wrong; nothing hangs or overflows the stack.
/// </summary>
public sealed class ErrorSpec
{
    [Theory]
    [InlineData("a = 1\nb = [1, 2", "test.conf:2:10", "expected ']' to close the list opened at 2:5, found end of file")]
    [InlineData("a {\n  b = 1\n", "test.conf:3:1", "expected '}' to close the object opened at 1:3, found end of file")]
    [InlineData("a = 1\n}", "test.conf:2:1", "expected a key or the end of the document")]
    [InlineData("{ a = 1 } b = 2", "test.conf:1:11", "expected end of file after the closing '}' of the root object")]
    [InlineData("a = ", "test.conf:1:5", "expected a value after the key 'a', found end of file")]
    [InlineData("a 1", "test.conf:1:4", "expected ':', '=', '+=' or '{' after the key '\"a 1\"', found end of file")]
    [InlineData("a = 1 2 : 3", "test.conf:1:9", "expected ',' or a new line between fields, found ':'")]
    [InlineData("a = [1,,2]", "test.conf:1:8", "expected a value after ',' (two commas in a row), found ','")]
    [InlineData("a = [,1]", "test.conf:1:6", "expected a value in a list, found ','")]
    [InlineData("{,a = 1}", "test.conf:1:2", "expected a key (a name or a quoted string), found ','")]
    [InlineData("a..b = 1", "test.conf:1:1", "path has an empty element")]
    [InlineData("a = \"unterminated\nb = 2", "test.conf:1:18", "expected a closing '\"' before the end of the line")]
    [InlineData("a = \"bad \\q escape\"", "test.conf:1:10", "invalid escape '\\q'")]
    [InlineData("a = \"\"\"never closed", "test.conf:1:5", "expected a closing \"\"\" for this triple-quoted string")]
    [InlineData("a = \"never closed", "test.conf:1:18", "expected a closing '\"' for the string opened at 1:5, found end of file")]
    [InlineData("a = ${b", "test.conf:1:8", "expected '}' to close the substitution opened at 1:5, found end of file")]
    [InlineData("a = ${}", "test.conf:1:5", "expected a path expression")]
    [InlineData("a = b@c", "test.conf:1:6", "reserved character '@' is not allowed outside quotes")]
    [InlineData("a = http://host", "test.conf:1:9", "expected ',' or a new line between fields, found ':'")]
    [InlineData("a = [1] x", "test.conf:1:5", "cannot concatenate a list (from test.conf:1:5) with a string (from test.conf:1:9)")]
    [InlineData("include foo", "test.conf:1:9", "expected a quoted file name")]
    [InlineData("include classpath(\"x\") y", "test.conf:1:19", "expected a quoted file name")]
    [InlineData("[1, 2]", "test.conf:1:1", "expected '{' or a key (the root of a configuration must be an object, not a list), found '['")]
    [InlineData("a = [1, 2\n", "test.conf:2:1", "expected ']' to close the list opened at 1:5, found end of file")]
    [InlineData("a = [1 2 : 3]", "test.conf:1:10", "expected ',', a new line or ']' after a list element, found ':'")]
    public void A_syntax_error_names_the_file_line_and_column_and_what_was_expected(string hocon, string position, string message)
    {
        var error = Hocon.Error(hocon);

        Assert.StartsWith($"{position}: ", error.Message, StringComparison.Ordinal);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        Assert.Equal(position, error.Origin?.ToString());
    }

    [Fact]
    public void An_unknown_substitution_names_itself_and_its_position()
    {
        var error = Hocon.Error("a = 1\nb = \"x\" ${no.such.path}");

        Assert.Equal("test.conf:2:9: could not resolve ${no.such.path}: no value at path 'no.such.path' and no environment "
            + "variable 'no.such.path' (write ${?no.such.path} if it is optional)", error.Message);
        Assert.Equal("no.such.path", error.Path);
    }

    [Fact]
    public void A_cycle_is_reported_listing_the_substitutions_in_it()
    {
        var error = Hocon.Error("a = ${b}\nb = ${c}\nc = ${a}");

        Assert.StartsWith("test.conf:", error.Message, StringComparison.Ordinal);
        Assert.Contains("substitution cycle: ${", error.Message, StringComparison.Ordinal);
        foreach (var link in new[] { "${a} (test.conf:3:5)", "${b} (test.conf:1:5)", "${c} (test.conf:2:5)" })
        {
            Assert.Contains(link, error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void An_object_containing_a_reference_to_itself_is_a_cycle()
    {
        var error = Hocon.Error("a = { b = ${a} }");

        Assert.Equal("test.conf:1:11: substitution cycle: ${a} (test.conf:1:11) refers to a value that contains it", error.Message);
        Assert.Contains("substitution cycle", Hocon.Error("a = [1, ${a}]").Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_self_reference_with_nothing_before_it_is_undefined_and_optional_makes_it_disappear()
    {
        var error = Hocon.Error("foo = ${foo}");

        Assert.Equal("test.conf:1:7: could not resolve ${foo}: it refers to the field being defined, which has no earlier value to build on",
            error.Message);
        Assert.False(Hocon.Parse("foo = ${?foo}").HasPath("foo"));
    }

    [Fact]
    public void A_bad_concatenation_found_during_resolution_is_reported_at_the_value()
    {
        var error = Hocon.Error("list = [1]\ntext = x\nbad = ${list} ${text}");

        Assert.StartsWith("test.conf:3:7: cannot concatenate a list (from test.conf:1:8) with a string (from test.conf:2:8)",
            error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_required_include_is_reported_at_the_include()
    {
        var error = Assert.Throws<ConfigurationException>(() =>
            ConfigurationFactory.ParseString("\ninclude required(\"surely-not-here.conf\")", "main.conf", Path.GetTempPath()));

        Assert.StartsWith("main.conf:2:1: required include \"surely-not-here.conf\" not found", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_file_is_an_error_naming_it() =>
        Assert.StartsWith("/surely/not/here.conf: ",
            Assert.Throws<ConfigurationException>(() => ConfigurationFactory.FromFile("/surely/not/here.conf")).Message, StringComparison.Ordinal);

    [Fact]
    public void Deep_nesting_is_a_positioned_error_not_a_stack_overflow()
    {
        var error = Hocon.Error("a = " + new string('[', 100_000));

        Assert.StartsWith("test.conf:1:", error.Message, StringComparison.Ordinal);
        Assert.Contains("nested more than 500 deep", error.Message, StringComparison.Ordinal);
        Assert.NotNull(Hocon.Parse("a = " + new string('[', 400) + "1" + new string(']', 400)).ToJson());
    }

    [Fact]
    public void A_long_substitution_chain_is_a_positioned_error_not_a_stack_overflow()
    {
        var text = string.Join("\n", Enumerable.Range(0, 5000).Select(i => $"a{i} = ${{a{i + 1}}}")) + "\na5000 = end";

        var error = Hocon.Error(text);

        Assert.Matches(@"^test\.conf:\d+:\d+: substitutions refer to substitutions more than \d+ deep", error.Message);
        Assert.Equal("end", Hocon.Parse(string.Join("\n", Enumerable.Range(0, 100).Select(i => $"a{i} = ${{a{i + 1}}}")) + "\na100 = end").GetString("a0"));
    }

    [Theory]
    [InlineData("\"")]
    [InlineData("${")]
    [InlineData("a = ${?")]
    [InlineData("a { b { c [ { d")]
    [InlineData("include")]
    [InlineData("include required(")]
    [InlineData("a = \"\\u12")]
    [InlineData("a += ")]
    [InlineData("\u0000 = [\uFFFF")]
    public async Task Truncated_and_odd_input_fails_fast_with_a_position(string hocon)
    {
        var parse = Task.Run(() => Record.Exception(() => Hocon.Parse(hocon)));

        var error = await parse.WaitAsync(TimeSpan.FromSeconds(10));

        var configurationError = Assert.IsType<ConfigurationException>(error);
        Assert.NotNull(configurationError.Origin);
        Assert.True(configurationError.Origin.Line >= 1 && configurationError.Origin.Column >= 1);
    }
}
