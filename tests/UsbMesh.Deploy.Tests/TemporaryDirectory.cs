namespace UsbMesh.Deploy.Tests;

/// <summary>A directory of its own for one spec, deleted with everything in it afterwards.</summary>
internal sealed class TemporaryDirectory : IDisposable
{
    public TemporaryDirectory()
    {
        Path = Directory.CreateTempSubdirectory("usbmesh-deploy-").FullName;
    }

    public string Path { get; }

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
