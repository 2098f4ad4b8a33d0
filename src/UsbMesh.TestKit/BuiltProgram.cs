using System.Reflection;
using Xunit;

namespace UsbMesh.TestKit;

/// <summary>
/// A program of this repository that specs run as a process of its own (<c>dotnet usbmeshd.dll ...</c>): where its
/// build put it, and the dotnet host to run it with.
/// </summary>
public static class BuiltProgram
{
    /// <summary>
    /// The path a spec project recorded in its assembly metadata under <paramref name="key"/> (the project builds the
    /// program first and writes where it went); fails the spec if nothing is there.
    /// </summary>
    public static string Find(Assembly specs, string key, string program, string project)
    {
        var path = specs.GetCustomAttributes<AssemblyMetadataAttribute>().SingleOrDefault(a => a.Key == key)?.Value;
        Assert.True(File.Exists(path), $"{program} not found at [{path}]: build {project} (the test project builds it first).");
        return path!;
    }

    /// <summary>The dotnet host running these specs, so that the program runs on the same runtime.</summary>
    public static string DotnetHost()
    {
        var fromSdk = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (File.Exists(fromSdk))
        {
            return fromSdk;
        }

        var current = Environment.ProcessPath;
        return current is not null && Path.GetFileNameWithoutExtension(current) == "dotnet" ? current : "dotnet";
    }
}
