package wplocal

// routerPHP is the php -S router. Debian keeps wp-content outside the web
// root, so the router serves /wp-content/ from Dir; every other path that is
// not a file in the web root goes to index.php, which is what Apache's
// rewrite rules do for pretty permalinks (/wp-json/...). It also names this
// instance's Debian config file. Arguments: config name, web root, wp-content.
const routerPHP = `<?php
// shared/wplocal router for php -S.
$_SERVER['WORDPRESS_CONFIG'] = %s;
$wplocal_root = %s;
$wplocal_content = %s;
$wplocal_path = parse_url($_SERVER['REQUEST_URI'], PHP_URL_PATH);
if (!is_string($wplocal_path) || $wplocal_path === '') {
	$wplocal_path = '/';
}
$wplocal_path = rawurldecode($wplocal_path);
if (strpos($wplocal_path, "\0") !== false || preg_match('#(^|/)\.\.(/|$)#', $wplocal_path)) {
	http_response_code(400);
	return true;
}
unset($_SERVER['PATH_INFO'], $_SERVER['ORIG_PATH_INFO']);

$wplocal_file = null;
if ($wplocal_path === '/wp-content' || strncmp($wplocal_path, '/wp-content/', 12) === 0) {
	$wplocal_file = $wplocal_content . substr($wplocal_path, 11);
	if (is_dir($wplocal_file)) {
		$wplocal_file = rtrim($wplocal_file, '/') . '/index.php';
	}
	if (!is_file($wplocal_file)) {
		http_response_code(404);
		header('Content-Type: text/plain');
		echo "not found\n";
		return true;
	}
	if (substr($wplocal_file, -4) !== '.php') {
		$wplocal_types = array(
			'css' => 'text/css', 'js' => 'application/javascript', 'json' => 'application/json',
			'png' => 'image/png', 'jpg' => 'image/jpeg', 'jpeg' => 'image/jpeg', 'gif' => 'image/gif',
			'webp' => 'image/webp', 'avif' => 'image/avif', 'svg' => 'image/svg+xml', 'ico' => 'image/x-icon',
			'woff' => 'font/woff', 'woff2' => 'font/woff2', 'ttf' => 'font/ttf', 'txt' => 'text/plain',
			'html' => 'text/html', 'pdf' => 'application/pdf', 'mp4' => 'video/mp4',
		);
		$wplocal_ext = strtolower(pathinfo($wplocal_file, PATHINFO_EXTENSION));
		$wplocal_type = isset($wplocal_types[$wplocal_ext]) ? $wplocal_types[$wplocal_ext]
			: (function_exists('mime_content_type') ? mime_content_type($wplocal_file) : 'application/octet-stream');
		header('Content-Type: ' . $wplocal_type);
		header('Content-Length: ' . filesize($wplocal_file));
		readfile($wplocal_file);
		return true;
	}
} elseif ($wplocal_path !== '/' && file_exists($wplocal_root . $wplocal_path)) {
	$wplocal_file = $wplocal_root . $wplocal_path;
	if (is_dir($wplocal_file)) {
		if (substr($wplocal_path, -1) !== '/') {
			header('Location: ' . $wplocal_path . '/' . (isset($_SERVER['QUERY_STRING']) && $_SERVER['QUERY_STRING'] !== '' ? '?' . $_SERVER['QUERY_STRING'] : ''), true, 301);
			return true;
		}
		$wplocal_file .= 'index.php';
		$wplocal_path .= 'index.php';
		if (!is_file($wplocal_file)) {
			http_response_code(403);
			return true;
		}
	}
	if (substr($wplocal_file, -4) !== '.php') {
		return false; // a static file in the web root: php -S serves it
	}
} else {
	$wplocal_file = $wplocal_root . '/index.php';
	$wplocal_path = '/index.php';
}
$_SERVER['SCRIPT_FILENAME'] = $wplocal_file;
$_SERVER['SCRIPT_NAME'] = $wplocal_path;
$_SERVER['PHP_SELF'] = $wplocal_path;
chdir(dirname($wplocal_file));
require $wplocal_file;
`

// setupPHP installs WordPress the way install.php's second step does
// (wp_install; wp-cli is not packaged in Debian), turns on pretty
// permalinks, and makes an administrator and an author with application
// passwords. It prints the credentials as JSON on its last line.
const setupPHP = `<?php
$url = getenv('WPLOCAL_URL');
$u = parse_url($url);
$_SERVER['WORDPRESS_CONFIG'] = getenv('WPLOCAL_CONFIG');
$_SERVER['HTTP_HOST'] = $u['host'] . ':' . $u['port'];
$_SERVER['SERVER_NAME'] = $u['host'];
$_SERVER['SERVER_PORT'] = $u['port'];
$_SERVER['REQUEST_URI'] = '/';
$_SERVER['REQUEST_METHOD'] = 'GET';
$_SERVER['SCRIPT_NAME'] = '/wp-admin/install.php';
$_SERVER['PHP_SELF'] = '/wp-admin/install.php';
define('WP_INSTALLING', true);
require getenv('WPLOCAL_ROOT') . '/wp-load.php';
require_once ABSPATH . 'wp-admin/includes/upgrade.php';

function wplocal_fail($what, $err) {
	fwrite(STDERR, $what . ': ' . (is_wp_error($err) ? $err->get_error_code() . ' ' . $err->get_error_message() : print_r($err, true)) . "\n");
	exit(1);
}

$password = getenv('WPLOCAL_PASSWORD');
if (!is_blog_installed()) {
	$r = wp_install('igny8 local WordPress', 'admin', 'admin@example.invalid', false, '', wp_slash($password));
	if (is_wp_error($r) || empty($r['user_id'])) {
		wplocal_fail('wp_install', $r);
	}
	$admin_id = $r['user_id'];
} else {
	$admin = get_user_by('login', 'admin');
	if (!$admin) {
		wplocal_fail('existing install has no user admin', '');
	}
	$admin_id = $admin->ID;
	wp_set_password($password, $admin_id);
}

update_option('permalink_structure', '/%postname%/');
delete_option('rewrite_rules'); // rebuilt on the first request, REST routes included

$author = get_user_by('login', 'author');
$author_id = $author ? $author->ID : wp_insert_user(array(
	'user_login' => 'author',
	'user_pass' => wp_generate_password(24),
	'user_email' => 'author@example.invalid',
	'role' => 'author',
));
if (is_wp_error($author_id)) {
	wplocal_fail('create author', $author_id);
}

function wplocal_app_password($user_id) {
	$r = WP_Application_Passwords::create_new_application_password($user_id, array('name' => 'igny8 local ' . gmdate('c')));
	if (is_wp_error($r)) {
		wplocal_fail('create application password', $r);
	}
	return WP_Application_Passwords::chunk_password($r[0]);
}

echo json_encode(array(
	'username' => 'admin',
	'password' => $password,
	'app_password' => wplocal_app_password($admin_id),
	'author_username' => 'author',
	'author_app_password' => wplocal_app_password($author_id),
)), "\n";
`

// muPlugin keeps a throwaway site quiet: no mail (there is no MTA).
const muPlugin = `<?php
/*
 * Plugin Name: wplocal
 * Description: shared/wplocal test instance: mail is dropped.
 */
if (!function_exists('wp_mail')) {
	function wp_mail($to, $subject, $message, $headers = '', $attachments = array()) {
		return true;
	}
}
`
