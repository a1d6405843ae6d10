package org.tessera.subset;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.classfile.Annotation;
import java.lang.classfile.Attributes;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassModel;
import java.lang.classfile.CodeElement;
import java.lang.classfile.CodeModel;
import java.lang.classfile.Instruction;
import java.lang.classfile.MethodModel;
import java.lang.classfile.attribute.CodeAttribute;
import java.lang.classfile.attribute.EnclosingMethodAttribute;
import java.lang.classfile.attribute.InnerClassInfo;
import java.lang.classfile.attribute.InnerClassesAttribute;
import java.lang.classfile.attribute.RuntimeInvisibleAnnotationsAttribute;
import java.lang.classfile.attribute.RuntimeVisibleAnnotationsAttribute;
import java.lang.classfile.constantpool.ClassEntry;
import java.lang.classfile.constantpool.ConstantDynamicEntry;
import java.lang.classfile.constantpool.LoadableConstantEntry;
import java.lang.classfile.constantpool.MemberRefEntry;
import java.lang.classfile.constantpool.MethodHandleEntry;
import java.lang.classfile.constantpool.MethodTypeEntry;
import java.lang.classfile.instruction.ConstantInstruction;
import java.lang.classfile.instruction.ExceptionCatch;
import java.lang.classfile.instruction.FieldInstruction;
import java.lang.classfile.instruction.InvokeDynamicInstruction;
import java.lang.classfile.instruction.InvokeInstruction;
import java.lang.classfile.instruction.MonitorInstruction;
import java.lang.classfile.instruction.NewMultiArrayInstruction;
import java.lang.classfile.instruction.NewObjectInstruction;
import java.lang.classfile.instruction.NewPrimitiveArrayInstruction;
import java.lang.classfile.instruction.NewReferenceArrayInstruction;
import java.lang.classfile.instruction.TypeCheckInstruction;
import java.lang.reflect.AccessFlag;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The build-time kernel-subset check. Reads every class file of the checked packages under a
 * compiled-classes directory with {@code java.lang.classfile} and reports each instruction a
 * class-file-to-C translator could not take (see {@code docs/subset.md} and {@link Rule}).
 *
 * <p>Run by exec-maven-plugin ({@code exec:java}, in the Maven JVM) with three arguments: the
 * classes directory, a comma-separated list of package prefixes to check ({@code -} for none)
 * and a comma-separated list of package prefixes to leave out ({@code -} for none). It prints one
 * line per violation and then throws, so the build fails; it never calls {@code System.exit}.
 *
 * <p>Methods annotated {@link HostOnly} (or in a {@link HostOnly} type) are skipped; methods
 * annotated {@link Boot}, constructors and static initialisers may allocate and hold exception
 * handlers. Private synthetic methods (lambda bodies, an enum's {@code $values}) take the
 * context of the methods that refer to them: host-only when every referrer is host-only, boot
 * when every referrer is boot or host-only.
 *
 * <p>This class is host code and uses ordinary Java.
 */
public final class SubsetCheck
{
    private static final String BOOT = "Lorg/tessera/subset/Boot;";
    private static final String HOST_ONLY = "Lorg/tessera/subset/HostOnly;";
    private static final String INIT = "<init>";
    private static final String CLINIT = "<clinit>";

    private static final Set<String> WRAPPERS = Set.of(
        "java/lang/Integer", "java/lang/Long", "java/lang/Short", "java/lang/Byte",
        "java/lang/Character", "java/lang/Boolean", "java/lang/Float", "java/lang/Double");
    private static final Set<String> UNBOXING = Set.of(
        "intValue", "longValue", "shortValue", "byteValue", "charValue", "booleanValue", "floatValue",
        "doubleValue");
    private static final Set<String> STRING_BUILDING_METHODS = Set.of(
        "format", "formatted", "concat", "valueOf", "join");
    private static final Set<String> CLASS_REFLECTION_METHODS = Set.of(
        "forName", "getMethod", "getMethods", "getField", "getFields", "getConstructor", "getConstructors",
        "newInstance");

    private final Path root;
    private final List<String> include;
    private final List<String> exclude;
    private final ClassLoader loader;
    private final ClassFile classFile = ClassFile.of();
    private final Map<String, Optional<ClassModel>> models = new HashMap<>();
    private final Map<String, Boolean> throwables = new HashMap<>();
    private final Map<String, Boolean> hostOnlyTypes = new HashMap<>();
    private final Map<String, Map<String, Context>> contexts = new HashMap<>();
    private final List<Violation> violations = new ArrayList<>();
    private int classCount;
    private int methodCount;

    /** Where a method runs, which decides the rules that apply to it. */
    private static final class Context
    {
        final boolean synthetic;
        boolean hostOnly;
        boolean boot;

        Context(final boolean synthetic, final boolean hostOnly, final boolean boot)
        {
            this.synthetic = synthetic;
            this.hostOnly = hostOnly;
            this.boot = boot;
        }
    }

    private SubsetCheck(
        final Path root, final List<String> include, final List<String> exclude, final ClassLoader loader)
    {
        this.root = root;
        this.include = internalPrefixes(include);
        this.exclude = internalPrefixes(exclude);
        this.loader = loader != null ? loader : SubsetCheck.class.getClassLoader();
    }

    /**
     * Entry point for exec-maven-plugin.
     *
     * @param args classes directory, packages to check (comma-separated, {@code -} for none),
     *             packages to exclude (comma-separated, {@code -} for none).
     * @throws IllegalStateException naming the count when any violation is found.
     */
    public static void main(final String[] args)
    {
        if (args.length != 3)
        {
            throw new IllegalArgumentException(
                "usage: SubsetCheck <classes-directory> <packages|-> <excluded-packages|-> (got " +
                Arrays.toString(args) + ")");
        }

        final List<String> include = parseList(args[1]);
        if (include.isEmpty())
        {
            return;
        }

        final List<String> exclude = parseList(args[2]);
        final SubsetCheck check =
            new SubsetCheck(Path.of(args[0]), include, exclude, Thread.currentThread().getContextClassLoader());
        check.run();

        final String packages = String.join(",", include) + (exclude.isEmpty() ? "" : " (excluding " +
            String.join(",", exclude) + ")");
        if (!check.violations.isEmpty())
        {
            for (final Violation violation : check.violations)
            {
                System.err.println(violation);
            }
            throw new IllegalStateException("subset check failed: " + check.violations.size() +
                " violation(s) in " + packages + " under " + args[0]);
        }

        System.out.println("subset check: " + check.classCount + " classes, " + check.methodCount +
            " methods in " + packages + ": ok");
    }

    /**
     * Check the compiled classes under {@code classes} whose package starts with one of
     * {@code include} and none of {@code exclude}.
     *
     * @param classes root of a compiled-classes directory (need not exist).
     * @param include package prefixes to check, dotted ({@code org.tessera.lockfree}); a prefix
     *                matches the package itself and its sub-packages.
     * @param exclude package prefixes to leave out.
     * @param loader  loader used to resolve whether a class is a {@link Throwable} (without
     *                initialising it); {@code null} for this class's loader. Class files under
     *                {@code classes} are the fallback.
     * @return every violation, in class, method and bytecode order; empty when the classes pass.
     */
    public static List<Violation> check(
        final Path classes, final List<String> include, final List<String> exclude, final ClassLoader loader)
    {
        final SubsetCheck check = new SubsetCheck(classes, include, exclude, loader);
        check.run();
        return List.copyOf(check.violations);
    }

    private static List<String> parseList(final String argument)
    {
        final List<String> result = new ArrayList<>();
        if (argument == null || argument.isBlank() || argument.trim().equals("-"))
        {
            return result;
        }
        for (final String part : argument.split(","))
        {
            final String trimmed = part.trim();
            if (!trimmed.isEmpty())
            {
                result.add(trimmed);
            }
        }
        return result;
    }

    private static List<String> internalPrefixes(final List<String> packages)
    {
        final List<String> result = new ArrayList<>();
        for (final String name : packages)
        {
            final String trimmed = name.trim();
            if (!trimmed.isEmpty() && !trimmed.equals("-"))
            {
                result.add(trimmed.replace('.', '/'));
            }
        }
        return result;
    }

    private void run()
    {
        if (include.isEmpty() || !Files.isDirectory(root))
        {
            return;
        }

        final List<String> names = new ArrayList<>();
        try (Stream<Path> files = Files.walk(root))
        {
            files.filter(file -> file.getFileName().toString().endsWith(".class") && Files.isRegularFile(file))
                .forEach(file -> names.add(internalName(file)));
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot list " + root, ex);
        }
        names.sort(null);

        for (final String name : names)
        {
            if (isInCheckedPackages(name) && !name.endsWith("package-info") && !name.endsWith("module-info"))
            {
                final ClassModel model = model(name);
                if (model != null)
                {
                    classCount++;
                    checkClass(name, model);
                }
            }
        }
    }

    private String internalName(final Path file)
    {
        final Path relative = root.relativize(file);
        final StringBuilder name = new StringBuilder();
        for (final Path element : relative)
        {
            if (!name.isEmpty())
            {
                name.append('/');
            }
            name.append(element);
        }
        return name.substring(0, name.length() - ".class".length());
    }

    private boolean isInCheckedPackages(final String internalName)
    {
        final int slash = internalName.lastIndexOf('/');
        final String pkg = slash < 0 ? "" : internalName.substring(0, slash);
        return matchesAny(pkg, include) && !matchesAny(pkg, exclude);
    }

    private static boolean matchesAny(final String pkg, final List<String> prefixes)
    {
        for (final String prefix : prefixes)
        {
            if (pkg.equals(prefix) || (pkg.startsWith(prefix) && pkg.charAt(prefix.length()) == '/'))
            {
                return true;
            }
        }
        return false;
    }

    private boolean isCheckedClass(final String internalName)
    {
        return !internalName.startsWith("[") && isInCheckedPackages(internalName) && model(internalName) != null;
    }

    private ClassModel model(final String internalName)
    {
        final Optional<ClassModel> cached = models.get(internalName);
        if (cached != null)
        {
            return cached.orElse(null);
        }

        ClassModel model = null;
        final Path file = root.resolve(internalName + ".class");
        if (!internalName.startsWith("[") && Files.isRegularFile(file))
        {
            try
            {
                model = classFile.parse(Files.readAllBytes(file));
            }
            catch (final IOException ex)
            {
                throw new UncheckedIOException("cannot read " + file, ex);
            }
        }
        models.put(internalName, Optional.ofNullable(model));
        return model;
    }

    // ------------------------------------------------------------------------------------------
    // Contexts: host-only, boot
    // ------------------------------------------------------------------------------------------

    private static String key(final String name, final String descriptor)
    {
        return name + descriptor;
    }

    private static boolean annotated(final MethodModel method, final String annotation)
    {
        final Optional<RuntimeInvisibleAnnotationsAttribute> invisible =
            method.findAttribute(Attributes.runtimeInvisibleAnnotations());
        if (invisible.isPresent() && contains(invisible.get().annotations(), annotation))
        {
            return true;
        }
        final Optional<RuntimeVisibleAnnotationsAttribute> visible =
            method.findAttribute(Attributes.runtimeVisibleAnnotations());
        return visible.isPresent() && contains(visible.get().annotations(), annotation);
    }

    private static boolean annotated(final ClassModel type, final String annotation)
    {
        final Optional<RuntimeInvisibleAnnotationsAttribute> invisible =
            type.findAttribute(Attributes.runtimeInvisibleAnnotations());
        if (invisible.isPresent() && contains(invisible.get().annotations(), annotation))
        {
            return true;
        }
        final Optional<RuntimeVisibleAnnotationsAttribute> visible =
            type.findAttribute(Attributes.runtimeVisibleAnnotations());
        return visible.isPresent() && contains(visible.get().annotations(), annotation);
    }

    private static boolean contains(final List<Annotation> annotations, final String descriptor)
    {
        for (final Annotation annotation : annotations)
        {
            if (annotation.className().equalsString(descriptor))
            {
                return true;
            }
        }
        return false;
    }

    /**
     * A type is host-only when it is annotated, or when it is nested in (or local to a method
     * of) a host-only type or method.
     */
    private boolean isHostOnlyType(final String internalName)
    {
        final Boolean cached = hostOnlyTypes.get(internalName);
        if (cached != null)
        {
            return cached;
        }
        hostOnlyTypes.put(internalName, Boolean.FALSE); // guards against cycles in broken input

        final ClassModel model = model(internalName);
        boolean hostOnly = false;
        if (model != null)
        {
            hostOnly = annotated(model, HOST_ONLY);

            final Optional<EnclosingMethodAttribute> enclosing = model.findAttribute(Attributes.enclosingMethod());
            if (!hostOnly && enclosing.isPresent())
            {
                final String outer = enclosing.get().enclosingClass().asInternalName();
                hostOnly = isHostOnlyType(outer);
                if (!hostOnly && enclosing.get().enclosingMethod().isPresent() && model(outer) != null)
                {
                    final Context context = contexts(outer, model(outer)).get(key(
                        enclosing.get().enclosingMethodName().orElseThrow().stringValue(),
                        enclosing.get().enclosingMethodType().orElseThrow().stringValue()));
                    hostOnly = context != null && context.hostOnly;
                }
            }

            final Optional<InnerClassesAttribute> inner = model.findAttribute(Attributes.innerClasses());
            if (!hostOnly && inner.isPresent())
            {
                for (final InnerClassInfo info : inner.get().classes())
                {
                    if (info.innerClass().asInternalName().equals(internalName) && info.outerClass().isPresent())
                    {
                        hostOnly = isHostOnlyType(info.outerClass().get().asInternalName());
                        break;
                    }
                }
            }
        }

        hostOnlyTypes.put(internalName, hostOnly);
        return hostOnly;
    }

    private Map<String, Context> contexts(final String internalName, final ClassModel model)
    {
        final Map<String, Context> cached = contexts.get(internalName);
        if (cached != null)
        {
            return cached;
        }

        final boolean typeHostOnly = isHostOnlyType(internalName);
        final Map<String, Context> result = new HashMap<>();
        boolean anySynthetic = false;
        for (final MethodModel method : model.methods())
        {
            final String name = method.methodName().stringValue();
            final boolean synthetic = method.flags().has(AccessFlag.SYNTHETIC);
            anySynthetic |= synthetic;
            result.put(
                key(name, method.methodType().stringValue()),
                new Context(
                    synthetic,
                    typeHostOnly || annotated(method, HOST_ONLY),
                    INIT.equals(name) || CLINIT.equals(name) || annotated(method, BOOT)));
        }
        contexts.put(internalName, result);

        if (anySynthetic && !typeHostOnly)
        {
            inheritSyntheticContexts(internalName, model, result);
        }
        return result;
    }

    /**
     * A synthetic method (lambda body, enum {@code $values}) has no annotations of its own; it
     * runs where its referrers run, so it takes their context when they all agree.
     */
    private static void inheritSyntheticContexts(
        final String internalName, final ClassModel model, final Map<String, Context> result)
    {
        final Map<String, Set<String>> referrers = new HashMap<>();
        for (final MethodModel method : model.methods())
        {
            final Optional<CodeModel> code = method.code();
            if (code.isEmpty())
            {
                continue;
            }
            final String from = key(method.methodName().stringValue(), method.methodType().stringValue());
            for (final CodeElement element : code.get())
            {
                if (element instanceof InvokeInstruction invoke)
                {
                    addReferrer(internalName, invoke.method(), from, result, referrers);
                }
                else if (element instanceof InvokeDynamicInstruction indy)
                {
                    for (final LoadableConstantEntry argument : indy.invokedynamic().bootstrap().arguments())
                    {
                        if (argument instanceof MethodHandleEntry handle)
                        {
                            addReferrer(internalName, handle.reference(), from, result, referrers);
                        }
                    }
                }
                else if (element instanceof ConstantInstruction.LoadConstantInstruction load &&
                    load.constantEntry() instanceof MethodHandleEntry handle)
                {
                    addReferrer(internalName, handle.reference(), from, result, referrers);
                }
            }
        }

        boolean changed = true;
        while (changed)
        {
            changed = false;
            for (final Map.Entry<String, Set<String>> entry : referrers.entrySet())
            {
                final Context target = result.get(entry.getKey());
                boolean allHostOnly = true;
                boolean allBootOrHostOnly = true;
                for (final String from : entry.getValue())
                {
                    final Context referrer = result.get(from);
                    allHostOnly &= referrer.hostOnly;
                    allBootOrHostOnly &= referrer.boot || referrer.hostOnly;
                }
                if (allHostOnly && !target.hostOnly)
                {
                    target.hostOnly = true;
                    changed = true;
                }
                if (allBootOrHostOnly && !target.boot)
                {
                    target.boot = true;
                    changed = true;
                }
            }
        }
    }

    private static void addReferrer(
        final String internalName,
        final MemberRefEntry reference,
        final String from,
        final Map<String, Context> contexts,
        final Map<String, Set<String>> referrers)
    {
        if (!reference.owner().asInternalName().equals(internalName))
        {
            return;
        }
        final String target = key(reference.name().stringValue(), reference.type().stringValue());
        final Context context = contexts.get(target);
        if (context != null && context.synthetic && !target.equals(from))
        {
            referrers.computeIfAbsent(target, ignore -> new HashSet<>()).add(from);
        }
    }

    /**
     * A call to {@code owner.name descriptor} goes to a host-only method when the owner is in the
     * checked set and the method it resolves to (walking up superclasses in the checked set) is
     * host-only.
     */
    private boolean isHostOnlyMethod(final String owner, final String name, final String descriptor)
    {
        String type = owner;
        while (type != null && isCheckedClass(type))
        {
            final ClassModel model = model(type);
            final Context context = contexts(type, model).get(key(name, descriptor));
            if (context != null)
            {
                return context.hostOnly;
            }
            if (INIT.equals(name))
            {
                return isHostOnlyType(type);
            }
            type = model.superclass().map(ClassEntry::asInternalName).orElse(null);
        }
        return false;
    }

    // ------------------------------------------------------------------------------------------
    // Throwable resolution (panics may be allocated anywhere)
    // ------------------------------------------------------------------------------------------

    private boolean isThrowable(final String internalName)
    {
        final Boolean cached = throwables.get(internalName);
        if (cached != null)
        {
            return cached;
        }
        throwables.put(internalName, Boolean.FALSE); // guards against cycles in broken input
        final boolean result = resolveThrowable(internalName);
        throwables.put(internalName, result);
        return result;
    }

    private boolean resolveThrowable(final String internalName)
    {
        if (internalName.startsWith("["))
        {
            return false;
        }
        if (internalName.equals("java/lang/Throwable"))
        {
            return true;
        }
        if (internalName.equals("java/lang/Object"))
        {
            return false;
        }

        try
        {
            return Throwable.class.isAssignableFrom(Class.forName(internalName.replace('/', '.'), false, loader));
        }
        catch (final ClassNotFoundException | LinkageError ex)
        {
            final ClassModel model = model(internalName);
            return model != null && model.superclass().isPresent() &&
                isThrowable(model.superclass().get().asInternalName());
        }
    }

    // ------------------------------------------------------------------------------------------
    // The rules
    // ------------------------------------------------------------------------------------------

    private void checkClass(final String internalName, final ClassModel model)
    {
        final String className = internalName.replace('/', '.');
        final Map<String, Context> methodContexts = contexts(internalName, model);
        for (final MethodModel method : model.methods())
        {
            final String name = method.methodName().stringValue();
            final String descriptor = method.methodType().stringValue();
            final Context context = methodContexts.get(key(name, descriptor));
            if (context.hostOnly)
            {
                continue;
            }
            methodCount++;

            if (method.flags().has(AccessFlag.SYNCHRONIZED))
            {
                violations.add(new Violation(className, name, descriptor, 0, "ACC_SYNCHRONIZED", Rule.MONITOR));
            }

            final Optional<CodeModel> code = method.code();
            if (code.isPresent())
            {
                final int first = violations.size();
                checkCode(new Site(className, name, descriptor), (CodeAttribute)code.get(), context.boot);
                // handlers are found before the instructions; report each method in bytecode order
                violations.subList(first, violations.size()).sort(Comparator.comparingInt(Violation::bci));
            }
        }
    }

    /** The method being checked, for building violations. */
    private record Site(String className, String methodName, String descriptor)
    {
    }

    private void checkCode(final Site site, final CodeAttribute code, final boolean boot)
    {
        final Set<Integer> handlers = new HashSet<>();
        for (final ExceptionCatch handler : code.exceptionHandlers())
        {
            final int start = code.labelToBci(handler.tryStart());
            final String catchType = handler.catchType().map(ClassEntry::asInternalName).orElse("any");
            final String text = "try " + start + ".." + code.labelToBci(handler.tryEnd()) + " catch " + catchType +
                " -> " + code.labelToBci(handler.handler());
            if (handler.catchType().isPresent())
            {
                forbiddenType(site, start, text, catchType);
            }
            if (!boot && handlers.add(code.labelToBci(handler.handler())))
            {
                add(site, start, text, Rule.EXCEPTION_HANDLER);
            }
        }

        int bci = 0;
        for (final CodeElement element : code)
        {
            if (element instanceof Instruction instruction)
            {
                checkInstruction(site, bci, instruction, boot);
                bci += instruction.sizeInBytes();
            }
        }
    }

    private void checkInstruction(final Site site, final int bci, final Instruction instruction, final boolean boot)
    {
        switch (instruction)
        {
            case InvokeDynamicInstruction indy -> add(
                site, bci, "invokedynamic " + indy.name().stringValue() + indy.type().stringValue() + " bootstrap " +
                indy.invokedynamic().bootstrap().bootstrapMethod().reference().owner().asInternalName() + "." +
                indy.invokedynamic().bootstrap().bootstrapMethod().reference().name().stringValue(),
                Rule.INVOKEDYNAMIC);

            case InvokeInstruction invoke ->
            {
                final String owner = invoke.owner().asInternalName();
                final String name = invoke.name().stringValue();
                final String descriptor = invoke.type().stringValue();
                final String text = opcode(instruction) + " " + owner + "." + name + descriptor;
                forbiddenMethod(site, bci, text, owner, name, descriptor);
                if (isHostOnlyMethod(owner, name, descriptor))
                {
                    add(site, bci, text, Rule.HOST_ONLY_CALL);
                }
            }

            case FieldInstruction field ->
            {
                final String owner = field.owner().asInternalName();
                final String type = field.type().stringValue();
                final String text = opcode(instruction) + " " + owner + "." + field.name().stringValue() + ":" + type;
                if (!forbiddenType(site, bci, text, owner))
                {
                    forbiddenDescriptor(site, bci, text, type);
                }
            }

            case NewObjectInstruction newObject ->
            {
                final String type = newObject.className().asInternalName();
                final String text = "new " + type;
                forbiddenType(site, bci, text, type);
                if (!boot && !isThrowable(type))
                {
                    add(site, bci, text, Rule.ALLOCATION);
                }
            }

            case NewPrimitiveArrayInstruction newArray ->
            {
                if (!boot)
                {
                    add(site, bci, "newarray " + newArray.typeKind().name().toLowerCase(Locale.ROOT), Rule.ALLOCATION);
                }
            }

            case NewReferenceArrayInstruction newArray ->
            {
                final String type = newArray.componentType().asInternalName();
                final String text = "anewarray " + type;
                forbiddenType(site, bci, text, type);
                if (!boot)
                {
                    add(site, bci, text, Rule.ALLOCATION);
                }
            }

            case NewMultiArrayInstruction newArray ->
            {
                final String type = newArray.arrayType().asInternalName();
                final String text = "multianewarray " + type + " " + newArray.dimensions();
                forbiddenType(site, bci, text, type);
                if (!boot)
                {
                    add(site, bci, text, Rule.ALLOCATION);
                }
            }

            case TypeCheckInstruction typeCheck ->
            {
                final String type = typeCheck.type().asInternalName();
                forbiddenType(site, bci, opcode(instruction) + " " + type, type);
            }

            case MonitorInstruction monitor -> add(site, bci, opcode(monitor), Rule.MONITOR);

            case ConstantInstruction.LoadConstantInstruction load -> checkConstant(site, bci, load);

            default ->
            {
            }
        }
    }

    private void checkConstant(final Site site, final int bci, final ConstantInstruction.LoadConstantInstruction load)
    {
        final String opcode = opcode(load);
        switch (load.constantEntry())
        {
            case ClassEntry type -> forbiddenType(site, bci, opcode + " " + type.asInternalName(), type.asInternalName());

            case MethodHandleEntry handle ->
            {
                final MemberRefEntry reference = handle.reference();
                final String owner = reference.owner().asInternalName();
                final String name = reference.name().stringValue();
                final String descriptor = reference.type().stringValue();
                final String text = opcode + " MethodHandle " + owner + "." + name + descriptor;
                if (descriptor.startsWith("("))
                {
                    forbiddenMethod(site, bci, text, owner, name, descriptor);
                }
                else if (!forbiddenType(site, bci, text, owner))
                {
                    forbiddenDescriptor(site, bci, text, descriptor);
                }
            }

            case MethodTypeEntry methodType ->
            {
                final String descriptor = methodType.descriptor().stringValue();
                forbiddenDescriptor(site, bci, opcode + " MethodType " + descriptor, descriptor);
            }

            case ConstantDynamicEntry dynamic -> add(
                site, bci, opcode + " dynamic " + dynamic.name().stringValue() + ":" + dynamic.type().stringValue(),
                Rule.INVOKEDYNAMIC);

            default ->
            {
            }
        }
    }

    private void forbiddenMethod(
        final Site site, final int bci, final String text, final String owner, final String name, final String descriptor)
    {
        if (forbiddenType(site, bci, text, owner))
        {
            return;
        }

        Rule rule = null;
        if (owner.equals("java/lang/String") && STRING_BUILDING_METHODS.contains(name))
        {
            rule = Rule.STRING_BUILDING;
        }
        else if (owner.equals("java/lang/Class") &&
            (CLASS_REFLECTION_METHODS.contains(name) || name.startsWith("getDeclared")))
        {
            rule = Rule.REFLECTION;
        }
        else if ((WRAPPERS.contains(owner) && name.equals("valueOf")) ||
            ((WRAPPERS.contains(owner) || owner.equals("java/lang/Number")) && UNBOXING.contains(name)))
        {
            rule = Rule.BOXING;
        }

        if (rule != null)
        {
            add(site, bci, text, rule);
        }
        else
        {
            forbiddenDescriptor(site, bci, text, descriptor);
        }
    }

    /** Reports the first forbidden class named in a field or method descriptor. */
    private void forbiddenDescriptor(final Site site, final int bci, final String text, final String descriptor)
    {
        int i = 0;
        while (i < descriptor.length())
        {
            if (descriptor.charAt(i) == 'L')
            {
                final int end = descriptor.indexOf(';', i);
                if (forbiddenType(site, bci, text, descriptor.substring(i + 1, end)))
                {
                    return;
                }
                i = end + 1;
            }
            else
            {
                i++;
            }
        }
    }

    /**
     * Reports a reference to a forbidden type (array types by their element type).
     *
     * @return true when reported.
     */
    private boolean forbiddenType(final Site site, final int bci, final String text, final String internalName)
    {
        final Rule rule = typeRule(internalName);
        if (rule != null)
        {
            add(site, bci, text, rule);
            return true;
        }
        return false;
    }

    private static Rule typeRule(final String internalName)
    {
        String type = internalName;
        if (type.startsWith("["))
        {
            final int start = type.lastIndexOf('[') + 1;
            if (type.charAt(start) != 'L')
            {
                return null;
            }
            type = type.substring(start + 1, type.length() - 1);
        }

        if (type.startsWith("java/util/"))
        {
            return Rule.JAVA_UTIL;
        }
        if (type.startsWith("java/lang/reflect/"))
        {
            return Rule.REFLECTION;
        }
        if (type.equals("java/lang/StringBuilder") || type.equals("java/lang/StringBuffer"))
        {
            return Rule.STRING_BUILDING;
        }
        if (type.equals("java/lang/ThreadLocal") || type.equals("java/lang/InheritableThreadLocal"))
        {
            return Rule.THREAD_LOCAL;
        }
        return null;
    }

    private void add(final Site site, final int bci, final String text, final Rule rule)
    {
        violations.add(new Violation(site.className(), site.methodName(), site.descriptor(), bci, text, rule));
    }

    private static String opcode(final Instruction instruction)
    {
        return instruction.opcode().name().toLowerCase(Locale.ROOT);
    }
}
