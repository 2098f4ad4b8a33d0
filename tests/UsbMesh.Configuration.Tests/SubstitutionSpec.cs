namespace UsbMesh.Configuration.Tests;

/// <summary>Substitutions: forward references, self-references, <c>+=</c>, optional substitutions, concatenation.</summary>
public sealed class SubstitutionSpec
{
    [Fact]
    public void A_substitution_looks_forward_to_the_final_value_of_its_path()
    {
        var config = Hocon.Parse("a = ${b.c}\nb.c = 1\nb.c = 2\nd = ${b}");

        Assert.Equal(2, config.GetInt("a"));
        JsonAssert.Equal("""{ "c": 2 }""", config.ToJson()!["d"]!.ToJsonString());
    }

    [Fact]
    public void A_substitution_alone_keeps_the_type_and_in_a_concatenation_becomes_text()
    {
        var config = Hocon.Parse("n = 1.50\nt = true\nz = null\nalone = ${n}\ntext = ${n} ${t} ${z}x\nlist = [${n}, ${t}]");

        Assert.Equal(System.Text.Json.JsonValueKind.Number, config.ToJson()!["alone"]!.GetValueKind());
        Assert.Equal("1.50", config.GetString("alone"));
        Assert.Equal("1.50 true nullx", config.GetString("text"));
        Assert.Equal(["1.50", "true"], config.GetStringList("list"));
    }

    [Fact]
    public void An_object_may_refer_to_its_own_fields_and_objects_may_refer_to_each_other()
    {
        var json = Hocon.Json("""
            bar : { foo : 42, baz : ${bar.foo} }
            bar : { foo : 43 }
            x : { a : ${y.d}, b : 1 }
            x.b = 3
            y : { c : ${x.b}, d : 2 }
            y.d = 4
            """);

        JsonAssert.Equal("""{ "bar": { "foo": 43, "baz": 43 }, "x": { "a": 4, "b": 3 }, "y": { "c": 3, "d": 4 } }""", json);
    }

    [Fact]
    public void A_self_reference_sees_the_value_it_overrides()
    {
        var json = Hocon.Json("""
            path = [ /bin ]
            path = ${path} [ /usr/bin ]
            text = "a:b:c"
            text = ${text}":d"
            obj = { a = 1 }
            obj = ${obj} { b = 2 }
            n = 1
            n = ${n}
            """);

        JsonAssert.Equal("""{ "path": ["/bin", "/usr/bin"], "text": "a:b:c:d", "obj": { "a": 1, "b": 2 }, "n": 1 }""", json);
    }

    [Fact]
    public void A_self_reference_through_a_path_looks_below_the_field_being_defined()
    {
        var json = Hocon.Json("foo : { a : { c : 1 } }\nfoo : ${foo.a}\nfoo : { a : 2 }");

        JsonAssert.Equal("""{ "foo": { "a": 2, "c": 1 } }""", json);
    }

    [Fact]
    public void A_self_reference_sees_the_fallback_it_overrides()
    {
        var app = ConfigurationFactory.ParseString("path = ${path} [b]\nname = ${?name}-app");
        var reference = ConfigurationFactory.ParseString("path = [a]\nname = ref");

        var config = app.WithFallback(reference);

        Assert.Equal(["a", "b"], config.GetStringList("path"));
        Assert.Equal("ref-app", config.GetString("name"));
    }

    [Fact]
    public void Plus_equals_appends_to_a_list_that_may_not_exist_yet()
    {
        var json = Hocon.Json("a += 1\na += 2\nb = [x]\nb += y\nc { d += 1 }\nc.d += 2");

        JsonAssert.Equal("""{ "a": [1, 2], "b": ["x", "y"], "c": { "d": [1, 2] } }""", json);
    }

    [Fact]
    public void Plus_equals_builds_long_lists_and_still_appends_to_a_fallback_list()
    {
        var appends = string.Concat(Enumerable.Range(0, 5000).Select(i => $"big += {i}\n"));
        var app = ConfigurationFactory.ParseString(appends + "hosts += b\nhosts += c\nfixed = [x]\nfixed += y");
        var reference = ConfigurationFactory.ParseString("hosts = [a]\nfixed = [ignored]");

        var config = app.WithFallback(reference).Resolve();

        Assert.Equal(Enumerable.Range(0, 5000), config.GetIntList("big"));
        Assert.Equal(["a", "b", "c"], config.GetStringList("hosts"));
        Assert.Equal(["x", "y"], config.GetStringList("fixed"));
    }

    [Fact]
    public void Plus_equals_on_a_value_that_is_not_a_list_is_an_error()
    {
        var error = Hocon.Error("a = text\na += 1");

        Assert.StartsWith("test.conf:2:1: cannot concatenate a string", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_undefined_optional_substitution_removes_the_field_or_element_and_keeps_an_earlier_value()
    {
        var json = Hocon.Json("""
            a = ${?USBMESH_SURELY_UNDEFINED_1}
            b = 1
            b = ${?USBMESH_SURELY_UNDEFINED_2}
            c = [1, ${?nothing.here}, 2]
            d = ${?nothing}${?here}
            e = ${?e}foo
            f = ${?a}
            g = start${?nothing}end
            h = ${?nothing} [1]
            """);

        JsonAssert.Equal("""{ "b": 1, "c": [1, 2], "e": "foo", "g": "startend", "h": [1] }""", json);
    }

    [Fact]
    public void A_substitution_hidden_by_a_later_value_is_never_evaluated() =>
        JsonAssert.Equal("""{ "foo": 42, "bar": 42 }""", Hocon.Json("foo : ${does-not-exist}\nfoo : 42\nbar : ${bar}\nbar : 42"));

    [Fact]
    public void Object_concatenation_gives_inheritance()
    {
        var json = Hocon.Json("""
            generic = { cluster-size = 6, name = generic }
            east = ${generic} { name = "east" }
            west = ${generic}
            west.name = west
            """);

        JsonAssert.Equal(
            """{ "generic": { "cluster-size": 6, "name": "generic" }, "east": { "cluster-size": 6, "name": "east" }, "west": { "cluster-size": 6, "name": "west" } }""",
            json);
    }

    [Fact]
    public void A_substitution_merges_with_the_object_it_overrides_or_that_overrides_it()
    {
        var json = Hocon.Json("""
            d = { foo = bar, keep = 1 }
            y = ${d}
            y = { hello = world, foo = 10 }
            z = { early = 1 }
            z = ${d}
            """);

        JsonAssert.Equal(
            """{ "d": { "foo": "bar", "keep": 1 }, "y": { "foo": 10, "keep": 1, "hello": "world" }, "z": { "early": 1, "foo": "bar", "keep": 1 } }""",
            json);
    }

    [Fact]
    public void Null_is_a_value_that_stops_the_environment_lookup()
    {
        var name = "USBMESH_TEST_" + Guid.NewGuid().ToString("N");
        Environment.SetEnvironmentVariable(name, "from-env");
        try
        {
            var config = Hocon.Parse($"{name} = null\na = ${{{name}}}\nb = x${{{name}}}");

            Assert.False(config.HasPath("a"));
            Assert.Equal("xnull", config.GetString("b"));
        }
        finally
        {
            Environment.SetEnvironmentVariable(name, null);
        }
    }

    [Fact]
    public void A_missing_path_falls_back_to_an_environment_variable_of_that_name()
    {
        var name = "USBMESH_TEST_" + Guid.NewGuid().ToString("N");
        Environment.SetEnvironmentVariable(name, "8080");
        try
        {
            var config = Hocon.Parse($"port = ${{{name}}}\noptional = ${{?{name}}}\nin-text = \"http://host:\"${{{name}}}");
            var shadowed = Hocon.Parse($"port = ${{{name}}}\n{name} = 1");

            Assert.Equal(8080, config.GetInt("port"));
            Assert.Equal("8080", config.GetString("optional"));
            Assert.Equal("http://host:8080", config.GetString("in-text"));
            Assert.Equal(new ConfigOrigin("test.conf", 1, 8), config.GetOrigin("port"));
            Assert.Equal(1, shadowed.GetInt("port"));
        }
        finally
        {
            Environment.SetEnvironmentVariable(name, null);
        }
    }

    [Fact]
    public void Substitutions_resolve_after_a_fallback_is_merged()
    {
        var app = ConfigurationFactory.ParseString("endpoint = \"10.0.0.1:\"${port}\nport = 9000", "app.conf");
        var reference = ConfigurationFactory.ParseString("port = 80\nmetrics = ${endpoint}", "reference.conf");

        var config = ConfigurationFactory.Load(fallback: app.WithFallback(reference));

        Assert.Equal("10.0.0.1:9000", config.GetString("metrics"));
        Assert.Equal(new ConfigOrigin("app.conf", 2, 8), config.GetOrigin("port"));
    }

    [Fact]
    public void Two_fields_overriding_each_other_resolve_to_the_same_value()
    {
        var config = Hocon.Parse("a : 1\nb : 2\na : ${b}\nb : ${a}");

        Assert.Equal(config.GetInt("a"), config.GetInt("b"));
    }
}
