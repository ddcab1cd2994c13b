<?php

declare(strict_types=1);

require __DIR__ . '/../vendor/autoload.php';

use App\Greeting;

$path = parse_url($_SERVER['REQUEST_URI'] ?? '/', PHP_URL_PATH) ?: '/';

header('Content-Type: application/json');

switch ($path) {
    case '/healthz':
        echo json_encode(['status' => 'ok']);
        break;
    case '/':
        $greeting = new Greeting(getenv('GREETING') ?: 'Hello');
        echo json_encode(['message' => $greeting->for($_GET['name'] ?? 'world')]);
        break;
    default:
        http_response_code(404);
        echo json_encode(['error' => 'not found']);
}
