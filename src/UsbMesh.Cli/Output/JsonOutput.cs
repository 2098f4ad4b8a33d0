using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using UsbMesh.Shell;

namespace UsbMesh.Cli.Output;

/// <summary>
/// Output for scripts: one JSON document per command on standard output. A table is an array of objects (column
/// name → value), a line a string; a command with one of them prints it alone, one with several prints an array of
/// them in order, one with none prints <c>[]</c>. Progress is not shown.
/// </summary>
internal sealed class JsonOutput(TextWriter writer) : ICommandOutput
{
    private static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        // Names and descriptions stay readable (é, ü, <, &); the document is not embedded in HTML.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private readonly List<JsonNode> _items = [];

    public void Write(ShellFrame frame)
    {
        switch (frame)
        {
            case ShellFrame.Line line:
                _items.Add(JsonValue.Create(line.Text));
                break;
            case ShellFrame.Table table:
                _items.Add(ToArray(table));
                break;
        }
    }

    public async Task CompleteAsync()
    {
        JsonNode document = _items.Count == 1 ? _items[0] : new JsonArray([.. _items]);
        await writer.WriteLineAsync(document.ToJsonString(Options)).ConfigureAwait(false);
        await writer.FlushAsync().ConfigureAwait(false);
    }

    public static JsonArray ToArray(ShellFrame.Table table)
    {
        var rows = new JsonArray();
        foreach (var row in table.Rows)
        {
            var item = new JsonObject();
            for (var i = 0; i < table.Columns.Count; i++)
            {
                item[table.Columns[i]] = i < row.Count ? row[i] : null;
            }

            rows.Add(item);
        }

        return rows;
    }
}
