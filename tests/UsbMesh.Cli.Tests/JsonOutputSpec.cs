using System.Text.Json;
using UsbMesh.Cli.Output;
using UsbMesh.Shell;

namespace UsbMesh.Cli.Tests;

/// <summary>One JSON document per command: a table as an array of objects, a line as a string.</summary>
public sealed class JsonOutputSpec
{
    private static readonly ShellFrame.Table Peers = new(1, "peers", ["name", "state"], [["hub", "up"], ["desk", "joining"]]);

    [Fact]
    public async Task A_table_alone_is_an_array_of_objects_by_column()
    {
        using var document = JsonDocument.Parse(await RenderAsync(Peers));

        Assert.Equal(JsonValueKind.Array, document.RootElement.ValueKind);
        Assert.Equal("joining", document.RootElement[1].GetProperty("state").GetString());
    }

    [Fact]
    public async Task Several_outputs_are_an_array_of_them_in_order()
    {
        using var document = JsonDocument.Parse(await RenderAsync(new ShellFrame.Line(1, "Attached hub/1-1 (ü)"), Peers, new ShellFrame.Progress(1, "x", 1, 2)));

        Assert.Equal(2, document.RootElement.GetArrayLength());
        Assert.Equal("Attached hub/1-1 (ü)", document.RootElement[0].GetString());
        Assert.Equal("hub", document.RootElement[1][0].GetProperty("name").GetString());
    }

    [Fact]
    public async Task No_output_is_an_empty_array() =>
        Assert.Equal("[]", (await RenderAsync()).Trim());

    private static async Task<string> RenderAsync(params ShellFrame[] frames)
    {
        var text = new StringWriter();
        var output = new JsonOutput(text);
        foreach (var frame in frames)
        {
            output.Write(frame);
        }

        await output.CompleteAsync();
        return text.ToString();
    }
}
