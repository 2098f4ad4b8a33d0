namespace UsbMesh.Shell;

/// <summary>
/// One argument of a shell command. Given on the command line by one of its <paramref name="Switches"/>
/// (<c>--device hub/1-1</c>, <c>-d hub/1-1</c>) or, when <paramref name="Position"/> is set, by position after the
/// command's name (<c>usbmesh attach hub/1-1</c>).
/// </summary>
/// <param name="Name">The argument's key in a <see cref="CommandRequest"/>.</param>
/// <param name="Description">One line for help and completion.</param>
/// <param name="Switches">The switches that name it, such as <c>["-d", "--device"]</c>.</param>
/// <param name="Mandatory">Whether a request without it is refused before it runs.</param>
/// <param name="IsFlag">A switch that takes no value: present means <c>"true"</c>.</param>
/// <param name="Default">The value a request without it gets, if any.</param>
/// <param name="Position">Its place among the positional arguments (0 first), if it may be given by position.</param>
public sealed record CommandArgument(
    string Name,
    string Description,
    IReadOnlyList<string> Switches,
    bool Mandatory = false,
    bool IsFlag = false,
    string? Default = null,
    int? Position = null);
