package io.servingkit.spring;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * servingkit-bom lists exactly the published modules of the reactor (those without
 * {@code servingkit.publish.skip=true}), each at the project's version, so that a module added or a version
 * changed without the BOM fails the build; and it carries the parent POM's publishing metadata (the BOM has no
 * parent), so that a license, URL or SCM added to one and not the other fails it too.
 */
class ServingKitBomTest {

  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

  @Test
  void theBomListsEveryPublishedModuleAtTheProjectsVersion() throws Exception {
    Document root = read(ROOT.resolve("pom.xml"));
    String version = child(root.getDocumentElement(), "version");
    Map<String, String> published = new TreeMap<>();
    NodeList modules = root.getElementsByTagName("module");
    for (int i = 0; i < modules.getLength(); i++) {
      String module = modules.item(i).getTextContent().strip();
      Document pom = read(ROOT.resolve(module).resolve("pom.xml"));
      Element project = pom.getDocumentElement();
      boolean skipped = "true".equals(text(pom, "servingkit.publish.skip"));
      if (!skipped && !"pom".equals(child(project, "packaging"))) {
        published.put(child(project, "artifactId"), version);
      }
    }
    Document bom = read(ROOT.resolve("servingkit-bom/pom.xml"));
    assertThat(child(bom.getDocumentElement(), "version")).isEqualTo(version);
    Map<String, String> listed = new TreeMap<>();
    NodeList dependencies = bom.getElementsByTagName("dependency");
    for (int i = 0; i < dependencies.getLength(); i++) {
      Element d = (Element) dependencies.item(i);
      assertThat(child(d, "groupId")).isEqualTo("io.servingkit");
      listed.put(child(d, "artifactId"), child(d, "version"));
    }
    assertThat(published).containsKeys("serving-core", "adapter-spring-boot");
    assertThat(listed).isEqualTo(published);
  }

  @Test
  void theBomCarriesTheParentsLicenseDevelopersUrlAndScm() throws Exception {
    Element parent = read(ROOT.resolve("pom.xml")).getDocumentElement();
    Element bom = read(ROOT.resolve("servingkit-bom/pom.xml")).getDocumentElement();
    for (String what : new String[] {"licenses", "developers", "url", "scm"}) {
      assertThat(normalized(childElement(bom, what))).as(what).isEqualTo(normalized(childElement(parent, what)));
    }
    assertThat(normalized(childElement(parent, "licenses"))).contains("Apache-2.0");
    assertThat(child(bom, "description")).isNotBlank();
  }

  /** A direct child element, or null. */
  private static Element childElement(Element parent, String name) {
    for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
      if (n instanceof Element e && e.getTagName().equals(name)) {
        return e;
      }
    }
    return null;
  }

  /** An element's text content with whitespace collapsed (null when absent). */
  private static String normalized(Element e) {
    return e == null ? null : e.getTextContent().strip().replaceAll("\\s+", " ");
  }

  private static Document read(Path pom) throws Exception {
    assertThat(pom).exists();
    DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
    factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
    try (var in = Files.newInputStream(pom)) {
      return factory.newDocumentBuilder().parse(in);
    }
  }

  /** The text of a direct child element, or null. */
  private static String child(Element parent, String name) {
    for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
      if (n instanceof Element e && e.getTagName().equals(name)) {
        return e.getTextContent().strip();
      }
    }
    return null;
  }

  private static String text(Document doc, String tag) {
    NodeList nodes = doc.getElementsByTagName(tag);
    return nodes.getLength() == 0 ? null : nodes.item(0).getTextContent().strip();
  }
}
